// code.javascript and code.python: the user's code over the node's input, in a sandbox, JSON in and JSON out.
// Console output lands in the node's log; sandbox errors are node errors with stable codes, never retried.
import { z } from 'zod';
import { shapeFromJsonSchema } from '../../compiler/shapes.js';
import { NodeError } from '../sdk/errors.js';
import { field } from '../sdk/fields.js';
import { defineNode, localWithin, type NodeContext } from '../sdk/node.js';
import { runJavaScript } from '../sandbox/javascript.js';
import { runPython } from '../sandbox/python.js';
import type { SandboxResult } from '../sandbox/result.js';

function settle(result: SandboxResult, context: NodeContext): unknown {
  for (const line of result.logs)
    (line.level === 'error' ? context.log.error : line.level === 'warn' ? context.log.warn : context.log.info)(`console: ${line.message}`);
  if (result.ok) return result.output;
  throw new NodeError(result.error.code, result.error.message, { logs: result.logs, durationMs: result.durationMs }, { retryable: false });
}

const io = { inputs: [{ name: 'in', dataType: 'any' as const }], outputs: [{ name: 'out', dataType: 'json' as const }] };

/** Code returns anything: its output has a shape only when the node declares one. */
const outputSchema = field.json({
  label: 'Output (JSON Schema)',
  help: 'What the code returns; downstream expressions are checked against it',
  schema: z.record(z.string(), z.unknown()),
});
const declaredShape = (c: { outputSchema?: Record<string, unknown> | undefined }) =>
  c.outputSchema ? shapeFromJsonSchema(c.outputSchema) : undefined;

export const javascriptNode = defineNode({
  type: 'code.javascript',
  version: 1,
  displayName: 'Code (JavaScript)',
  category: 'code',
  description: 'Runs your JavaScript on the input (`input` or `$json`) and outputs what it returns. No network, files or packages.',
  kind: 'activity',
  fields: {
    code: field.code({ label: 'Code', language: 'javascript', required: true, default: 'return input;' }),
    timeoutMs: field.number({ label: 'Time limit (ms)', default: 5_000, min: 10, max: 60_000, int: true }),
    memoryLimitMb: field.number({ label: 'Memory limit (MB)', default: 64, min: 8, max: 512, int: true }),
    outputSchema,
  },
  ...io,
  outputShape: declaredShape,
  operations: () => ['code'],
  defaults: { retry: { maxAttempts: 1 } },
  // Bounded by its own time limit: short limits run as local activities.
  execution: (config, { timeoutMs }) => localWithin(config.timeoutMs, timeoutMs),
  // The owner keys the isolate: another owner's calls never run on it (nodes/sandbox/javascript-pool.ts).
  execute: async (input, config, context) =>
    settle(
      await runJavaScript(
        { code: config.code, input, timeoutMs: config.timeoutMs, memoryLimitMb: config.memoryLimitMb },
        { signal: context.signal, owner: await context.owner?.() },
      ),
      context,
    ),
});

export const pythonNode = defineNode({
  type: 'code.python',
  version: 1,
  displayName: 'Code (Python)',
  category: 'code',
  description: 'Runs your Python (standard library only) on `input` and outputs what it returns. No network or files.',
  kind: 'activity',
  fields: {
    code: field.code({ label: 'Code', language: 'python', required: true, default: 'return input' }),
    timeoutMs: field.number({ label: 'Time limit (ms)', default: 10_000, min: 10, max: 120_000, int: true }),
    outputSchema,
  },
  ...io,
  outputShape: declaredShape,
  operations: () => ['code'],
  defaults: { retry: { maxAttempts: 1 } },
  execution: (config, { timeoutMs }) => localWithin(config.timeoutMs, timeoutMs),
  // The owner keys the interpreter: another owner's calls never run on it (nodes/sandbox/python.ts).
  execute: async (input, config, context) =>
    settle(
      await runPython(
        { code: config.code, input, timeoutMs: config.timeoutMs },
        { signal: context.signal, owner: await context.owner?.() },
      ),
      context,
    ),
});
