// The gateway's single door to the compiler: every save, run and /v1/compile call compiles the same way,
// against the caller's node types (the built-ins and the custom nodes they may use: another user's private node is
// UNKNOWN_NODE_TYPE) and the caller's own credentials (ids and types only: another user's credential id is
// MISSING_CREDENTIAL). Each compile counts towards the caller's usage.
import { compile, type CompileResult } from '../../compiler/compile.js';
import type { Plan } from '../../compiler/plan.js';
import { listCredentials } from '../../db/credential-store.js';
import { addUsage } from '../../db/usage-store.js';
import type { GatewayDeps } from './deps.js';
import { ApiError } from './errors.js';

export async function compileDocument(deps: GatewayDeps, ownerId: string, document: unknown): Promise<CompileResult> {
  const [stored, nodes] = await Promise.all([listCredentials(deps.database.db, ownerId), deps.customNodes.owners.registryFor(ownerId)]);
  const credentials = stored.map((c) => ({ id: c.id, type: c.type }));
  const result = compile(document, { catalog: nodes.catalog, credentials });
  await addUsage(deps.database.db, ownerId, 'compiles', 1, new Date());
  return result;
}

/** Compiles or throws the 422 that carries every diagnostic. */
export async function compileOrThrow(
  deps: GatewayDeps,
  ownerId: string,
  document: unknown,
): Promise<{ plan: Plan; result: CompileResult }> {
  const result = await compileDocument(deps, ownerId, document);
  if (!result.ok || !result.plan) {
    const n = result.errors.length;
    throw new ApiError('WORKFLOW_INVALID', `The workflow has ${n} error${n === 1 ? '' : 's'}`, {
      errors: result.errors,
      warnings: result.warnings,
    });
  }
  return { plan: result.plan, result };
}
