// Marks the diagnostics an edit did not cause, so a repair request shows the model only what its edit broke.
import type { Diagnostic } from '../../compiler/diagnostics.js';

export type MarkedDiagnostic = Diagnostic & { preExisting: boolean };

/**
 * Each diagnostic of `after` is pre-existing when `before` had one with the same code, node, edge and path, counted:
 * two before and three after mark two. A path's leading `nodes[i]` / `edges[i]` is dropped when the diagnostic names
 * its node or edge, since removing an earlier node shifts every index without changing what is wrong.
 */
export function markPreExisting(before: readonly Diagnostic[], after: readonly Diagnostic[]): MarkedDiagnostic[] {
  const remaining = new Map<string, number>();
  for (const d of before) remaining.set(identity(d), (remaining.get(identity(d)) ?? 0) + 1);
  return after.map((d) => {
    const key = identity(d);
    const left = remaining.get(key) ?? 0;
    if (left > 0) remaining.set(key, left - 1);
    return { ...d, preExisting: left > 0 };
  });
}

function identity(d: Diagnostic): string {
  let path = d.path ?? [];
  const [head, index] = path;
  if (typeof index === 'number' && ((head === 'nodes' && d.nodeId !== undefined) || (head === 'edges' && d.edgeId !== undefined)))
    path = path.slice(2);
  return JSON.stringify([d.code, d.nodeId ?? null, d.edgeId ?? null, path]);
}
