// Shape errors of one node or edge entry, reported the same way for both: which entry (by id when it has one,
// else by position) and the JSON path of every problem.
import { diagnostic, type Diagnostic } from '../diagnostics.js';

type Issue = { path: readonly PropertyKey[]; message: string };

export function entryId(value: unknown): string | undefined {
  const id = value && typeof value === 'object' ? (value as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : undefined;
}

export function reportShapeIssues(
  kind: 'node' | 'edge',
  index: number,
  value: unknown,
  issues: readonly Issue[],
  out: Diagnostic[],
): string | undefined {
  const id = entryId(value);
  const label = `${kind === 'node' ? 'Node' : 'Edge'} ${id ? `"${id}"` : `#${index + 1}`}`;
  const where = id ? (kind === 'node' ? { nodeId: id } : { edgeId: id }) : {};
  for (const issue of issues) {
    const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    out.push(
      diagnostic('SCHEMA_INVALID', `${label}: ${path.length ? `${path.join('.')}: ` : ''}${issue.message}`, {
        ...where,
        path: [kind === 'node' ? 'nodes' : 'edges', index, ...path],
      }),
    );
  }
  return id;
}
