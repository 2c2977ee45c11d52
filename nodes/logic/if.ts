// logic.if: routes its input to `true` or `false` by a group of conditions.
import { z } from 'zod';
import { field } from '../sdk/fields.js';
import { sameAsInput } from '../../compiler/catalog.js';
import { defineNode } from '../sdk/node.js';
import { ConditionSchema, evaluateGroup } from './conditions.js';

export const ifNode = defineNode({
  type: 'logic.if',
  version: 1,
  displayName: 'IF',
  category: 'flow',
  description: 'Sends the input to "true" or "false" depending on conditions.',
  kind: 'pure',
  fields: {
    conditions: field.json({ label: 'Conditions', required: true, schema: z.array(ConditionSchema).min(1, 'Add at least one condition') }),
    combine: field.select(
      [
        { value: 'all', label: 'All conditions (AND)' },
        { value: 'any', label: 'Any condition (OR)' },
      ],
      { label: 'Combine', default: 'all' },
    ),
  },
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [
    { name: 'true', dataType: 'json' },
    { name: 'false', dataType: 'json' },
  ],
  operations: () => ['pure'],
  outputShape: sameAsInput,
  evaluate: (input, config) => ({ output: input, fire: [evaluateGroup(config) ? 'true' : 'false'] }),
});
