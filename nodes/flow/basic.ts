// Small flow nodes: pass-through, stop with an error, and a durable wait.
import { field } from '../sdk/fields.js';
import { NodeError } from '../sdk/errors.js';
import { sameAsInput } from '../../compiler/catalog.js';
import { defineNode } from '../sdk/node.js';

const passThrough = { inputs: [{ name: 'in', dataType: 'any' as const }], outputs: [{ name: 'out', dataType: 'json' as const }] };

export const noopNode = defineNode({
  type: 'flow.noop',
  version: 1,
  displayName: 'No operation',
  category: 'flow',
  description: 'Passes its input on unchanged; useful as a join point or a placeholder.',
  kind: 'pure',
  fields: {},
  ...passThrough,
  operations: () => ['pure'],
  outputShape: sameAsInput,
  evaluate: (input) => ({ output: input }),
});

export const stopErrorNode = defineNode({
  type: 'flow.stop_error',
  version: 1,
  displayName: 'Stop and error',
  category: 'flow',
  description: 'Fails the run (or its error route) with your message.',
  kind: 'pure',
  fields: {
    message: field.string({ label: 'Error message', required: true }),
    code: field.string({ label: 'Error code', default: 'STOPPED_BY_WORKFLOW' }),
  },
  ...passThrough,
  operations: () => ['pure'],
  evaluate: (_input, config) => {
    throw NodeError.authored(config.code, config.message);
  },
});

const MAX_WAIT_MS = 366 * 24 * 3600 * 1000;

export const waitNode = defineNode({
  type: 'flow.wait',
  version: 1,
  displayName: 'Wait',
  category: 'flow',
  description: 'Pauses the run for a duration or until a time, durably: restarts do not shorten or lose the wait.',
  kind: 'pure',
  fields: {
    mode: field.select(
      [
        { value: 'duration', label: 'For a duration' },
        { value: 'until', label: 'Until a time' },
      ],
      { label: 'Wait', default: 'duration' },
    ),
    durationMs: field.number({ label: 'Duration (ms)', min: 0, max: MAX_WAIT_MS, int: true }),
    until: field.string({ label: 'Until (ISO 8601 time)', placeholder: '2026-12-24T18:00:00Z' }),
  },
  ...passThrough,
  operations: () => ['pure'],
  outputShape: sameAsInput,
  evaluate: (input, config, { now }) => {
    if (config.mode === 'duration') {
      if (config.durationMs === undefined) throw new NodeError('CONFIG_INVALID', 'Set a duration');
      return { output: input, waitUntil: now + config.durationMs };
    }
    const at = Date.parse(config.until ?? '');
    if (!Number.isFinite(at)) throw new NodeError('CONFIG_INVALID', `"${config.until}" is not a time`);
    return { output: input, waitUntil: Math.min(at, now + MAX_WAIT_MS) };
  },
});
