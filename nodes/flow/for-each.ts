// flow.for_each: runs its body (the nodes whose `parent` it is) once per item of a list and outputs the results in
// order on `done`. The node is data only: the workflow runs it (workflows/steps/for-each.ts). Its bounds are here,
// beside the fields they bound, because the compiler, the workflow and the tests read the same numbers.
import { ARRAY, closedObject, itemOf, NUMBER, OBJECT, STRING, union, type Shape } from '../../compiler/shapes.js';
import { field } from '../sdk/fields.js';
import { defineNode } from '../sdk/node.js';

/** Longest list a loop takes: past it the node fails with ITEMS_LIMIT rather than hold a million items in a run. */
export const MAX_ITEMS = 100_000;
/** Most items in flight at once, whatever the node asks: each is at least an activity on the run's workers. */
export const MAX_CONCURRENCY = 100;

export const ITEM_ERROR_POLICIES = ['stop', 'continue', 'collect'] as const;
export type ItemErrorPolicy = (typeof ITEM_ERROR_POLICIES)[number];

/**
 * What `done` carries (workflows/steps/for-each.ts): the items' results in order (each the body's exit's output, or
 * under `continue` its error), or under `collect` the results beside the errors. The results' own shape is not
 * followed through the body: unknown.
 */
const RESULTS: Shape = ARRAY;
const COLLECTED: Shape = closedObject({
  results: ARRAY,
  errors: {
    type: 'array',
    items: closedObject({
      index: { type: 'integer' },
      // The failed body node's error (workflows/loop-body.ts ItemError), with the body node's id.
      error: {
        type: 'object',
        properties: { code: STRING, message: STRING, details: OBJECT, nodeId: STRING, retryAfterMs: NUMBER },
        required: ['code', 'message'],
      },
    }),
  },
});
function doneShape(policy: string): Shape | undefined {
  if (policy === 'collect') return COLLECTED;
  if (policy === 'stop' || policy === 'continue') return RESULTS;
  // An expression: decided at run time.
  return union([RESULTS, COLLECTED]);
}

export const forEachNode = defineNode({
  type: 'flow.for_each',
  version: 1,
  displayName: 'For each',
  category: 'flow',
  description: 'Runs the nodes inside it once per item of a list, several at a time, and outputs the list of their results in order.',
  kind: 'loop',
  fields: {
    // A template that yields the list (a json field: the resolved value is a list, not a string).
    items: field.json<unknown>({ label: 'Items (a list)', default: '{{ $json }}' }),
    concurrency: field.number({ label: 'Items at a time', min: 1, max: MAX_CONCURRENCY, int: true, default: 10 }),
    onItemError: field.select(
      [
        { value: 'stop', label: 'Stop: the first failed item fails the node' },
        { value: 'continue', label: "Continue: a failed item's result is its error" },
        { value: 'collect', label: 'Collect: results, and the errors beside them' },
      ],
      { label: 'When an item fails', default: 'stop' },
    ),
  },
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [
    { name: 'item', dataType: 'any' },
    { name: 'done', dataType: 'json' },
  ],
  operations: () => ['pure'],
  outputShape: (c) => doneShape(c.onItemError),
  // Each item of the list `items` gives, as its body's entry receives it.
  itemShape: (c, context) => itemOf(context.valueShape(c.items)),
});
