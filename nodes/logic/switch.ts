// logic.switch: routes its input to the output of the first matching rule (or of every match), else `default`.
import { z } from 'zod';
import { field } from '../sdk/fields.js';
import { sameAsInput } from '../../compiler/catalog.js';
import { defineNode } from '../sdk/node.js';
import { ConditionSchema, evaluateGroup } from './conditions.js';

const RuleSchema = z.object({
  /** The output handle this rule fires; unique, and not "default". */
  key: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_-]+$/, 'Use letters, digits, _ and -')
    .refine((k) => k !== 'default', '"default" is reserved'),
  conditions: z.array(ConditionSchema).min(1),
  combine: z.enum(['all', 'any']).default('all'),
});

const RulesSchema = z
  .array(RuleSchema)
  .min(1, 'Add at least one rule')
  .refine((rules) => new Set(rules.map((r) => r.key)).size === rules.length, 'Rule keys must be unique');

export const switchNode = defineNode({
  type: 'logic.switch',
  version: 1,
  displayName: 'Switch',
  category: 'flow',
  description: 'Sends the input to the output of the matching rule, or to "default".',
  kind: 'pure',
  fields: {
    rules: field.json({ label: 'Rules', required: true, schema: RulesSchema }),
    mode: field.select(
      [
        { value: 'first', label: 'First matching rule' },
        { value: 'all', label: 'Every matching rule' },
      ],
      { label: 'Route to', default: 'first' },
    ),
  },
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: (config) => [...config.rules.map((r) => ({ name: r.key, dataType: 'json' as const })), { name: 'default', dataType: 'json' }],
  operations: () => ['pure'],
  outputShape: sameAsInput,
  evaluate: (input, config) => {
    const matching = config.rules.filter((rule) => evaluateGroup(rule)).map((r) => r.key);
    const fire = matching.length === 0 ? ['default'] : config.mode === 'first' ? matching.slice(0, 1) : matching;
    return { output: input, fire };
  },
});
