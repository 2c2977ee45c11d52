// flow.batch: splits a list into lists of at most `size` items, in order (the last may be shorter). Pure.
import { itemOf } from '../../compiler/shapes.js';
import { field } from '../sdk/fields.js';
import { NodeError } from '../sdk/errors.js';
import { defineNode } from '../sdk/node.js';
import { MAX_ITEMS } from './for-each.js';

export const batchNode = defineNode({
  type: 'flow.batch',
  version: 1,
  displayName: 'Batch',
  category: 'flow',
  description: 'Splits a list into batches of a given size.',
  kind: 'pure',
  fields: {
    // A template that yields the list (a json field: the resolved value is a list, not a string).
    items: field.json<unknown>({ label: 'Items (a list)', default: '{{ $json }}' }),
    size: field.number({ label: 'Batch size', min: 1, max: MAX_ITEMS, int: true, required: true }),
  },
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [{ name: 'out', dataType: 'json' }],
  operations: () => ['pure'],
  // Lists of the items, in order.
  outputShape: (c, context) => {
    const item = itemOf(context.valueShape(c.items));
    return { type: 'array', items: { type: 'array', ...(item ? { items: item } : {}) } };
  },
  evaluate: (_input, config) => {
    const items = config.items;
    if (!Array.isArray(items)) throw new NodeError('ITEMS_NOT_A_LIST', `Batch needs a list, got ${items === null ? 'null' : typeof items}`);
    if (items.length > MAX_ITEMS)
      throw new NodeError('ITEMS_LIMIT', `The list has ${items.length} items; at most ${MAX_ITEMS} are allowed`);
    const batches: unknown[][] = [];
    for (let i = 0; i < items.length; i += config.size) batches.push(items.slice(i, i + config.size));
    return { output: batches };
  },
});
