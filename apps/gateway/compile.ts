// The gateway's single door to the compiler: every save, run and /v1/compile call compiles the same way.
import { compile, type CompileResult } from '../../compiler/compile.js';
import type { Plan } from '../../compiler/plan.js';
import type { NodeRegistry } from '../../nodes/registry.js';
import { ApiError } from './errors.js';

export function compileDocument(nodes: NodeRegistry, document: unknown): CompileResult {
  // Credentials arrive with users and the credential store (issue 7); until then a document naming one fails to compile.
  return compile(document, { catalog: nodes.catalog, credentials: [] });
}

/** Compiles or throws the 422 that carries every diagnostic. */
export function compileOrThrow(nodes: NodeRegistry, document: unknown): { plan: Plan; result: CompileResult } {
  const result = compileDocument(nodes, document);
  if (!result.ok || !result.plan) {
    const n = result.errors.length;
    throw new ApiError('WORKFLOW_INVALID', `The workflow has ${n} error${n === 1 ? '' : 's'}`, { errors: result.errors, warnings: result.warnings });
  }
  return { plan: result.plan, result };
}
