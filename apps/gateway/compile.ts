// The gateway's single door to the compiler: every save, run and /v1/compile call compiles the same way,
// against the node registry and the credentials that exist (ids and types only).
import { compile, type CompileResult } from '../../compiler/compile.js';
import type { Plan } from '../../compiler/plan.js';
import { listCredentials } from '../../db/credential-store.js';
import type { GatewayDeps } from './deps.js';
import { ApiError } from './errors.js';

export async function compileDocument(deps: GatewayDeps, document: unknown): Promise<CompileResult> {
  const credentials = (await listCredentials(deps.database.db)).map((c) => ({ id: c.id, type: c.type }));
  return compile(document, { catalog: deps.nodes.catalog, credentials });
}

/** Compiles or throws the 422 that carries every diagnostic. */
export async function compileOrThrow(deps: GatewayDeps, document: unknown): Promise<{ plan: Plan; result: CompileResult }> {
  const result = await compileDocument(deps, document);
  if (!result.ok || !result.plan) {
    const n = result.errors.length;
    throw new ApiError('WORKFLOW_INVALID', `The workflow has ${n} error${n === 1 ? '' : 's'}`, { errors: result.errors, warnings: result.warnings });
  }
  return { plan: result.plan, result };
}
