// logic.merge: waits for its inputs and combines them: appended, keyed by source node, or joined on a key.
import { closedObject, itemOf, union, type Shape } from '../../compiler/shapes.js';
import type { ShapeContext } from '../../compiler/catalog.js';
import { field } from '../sdk/fields.js';
import { NodeError } from '../sdk/errors.js';
import { defineNode, type PureContext } from '../sdk/node.js';

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

function joinByKey(sources: PureContext['sources'], key: string, keepUnmatched: boolean): unknown[] {
  if (sources.length !== 2) throw new NodeError('MERGE_NEEDS_TWO_INPUTS', `Join by key needs exactly two inputs, got ${sources.length}`);
  const [left, right] = sources as [PureContext['sources'][number], PureContext['sources'][number]];
  const keyOf = (item: unknown) => (item && typeof item === 'object' ? JSON.stringify((item as Record<string, unknown>)[key]) : undefined);
  const rightByKey = new Map<string, unknown[]>();
  for (const item of asList(right.value)) {
    const k = keyOf(item);
    if (k !== undefined) rightByKey.set(k, [...(rightByKey.get(k) ?? []), item]);
  }
  const out: unknown[] = [];
  for (const item of asList(left.value)) {
    const matches = rightByKey.get(keyOf(item) ?? '') ?? [];
    if (matches.length === 0 && keepUnmatched) out.push(item);
    for (const m of matches) out.push({ ...(item as object), ...(m as object) });
  }
  return out;
}

/** What each mode builds from its sources' shapes (see evaluate). */
function outputShape(config: { mode: string }, { sources }: ShapeContext): Shape | undefined {
  if (config.mode === 'bySource')
    // A skipped branch is left out: every key is optional.
    return closedObject(Object.fromEntries(sources.map((s) => [s.nodeId, s.shape ?? {}])), []);
  if (config.mode === 'joinByKey') return { type: 'array', items: { type: 'object' } };
  if (config.mode !== 'append') return undefined;
  const items = union(sources.map((s) => (s.shape?.type === 'array' ? itemOf(s.shape) : s.shape)));
  return { type: 'array', ...(items ? { items } : {}) };
}

export const mergeNode = defineNode({
  type: 'logic.merge',
  version: 1,
  displayName: 'Merge',
  category: 'flow',
  description: 'Waits for every incoming branch and combines what arrived.',
  kind: 'pure',
  fields: {
    mode: field.select(
      [
        { value: 'append', label: 'Append (one list)' },
        { value: 'bySource', label: 'Object keyed by source node' },
        { value: 'joinByKey', label: 'Join two lists on a key' },
      ],
      { label: 'Mode', default: 'append' },
    ),
    key: field.string({ label: 'Join key', help: 'Field both lists share (join mode)' }),
    keepUnmatched: field.boolean({ label: 'Keep unmatched items of the first input', default: false }),
    requireAll: field.boolean({
      label: 'Only run when every input delivered',
      default: false,
      help: 'Otherwise a skipped branch is left out',
    }),
  },
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [{ name: 'out', dataType: 'json' }],
  operations: () => ['pure'],
  // Only a literal true waits for all: the join is scheduled before any expression runs.
  join: (config) => (config.requireAll === true ? 'all' : 'any'),
  outputShape,
  evaluate: (_input, config, { sources }) => {
    if (config.mode === 'bySource') return { output: Object.fromEntries(sources.map((s) => [s.nodeId, s.value])) };
    if (config.mode === 'joinByKey') {
      if (!config.key) throw new NodeError('CONFIG_INVALID', 'Join by key needs a key');
      return { output: joinByKey(sources, config.key, config.keepUnmatched) };
    }
    return { output: sources.flatMap((s) => asList(s.value)) };
  },
});
