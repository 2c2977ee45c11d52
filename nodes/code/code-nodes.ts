// code.javascript and code.python: the user's code over the node's input, in a sandbox, JSON in and JSON out.
// Console output lands in the node's log; sandbox errors are node errors with stable codes, never retried.
import { z } from 'zod';
import { shapeFromJsonSchema } from '../../compiler/shapes.js';
import { NodeError } from '../sdk/errors.js';
import { field } from '../sdk/fields.js';
import { defineNode, localWithin, type NodeContext } from '../sdk/node.js';
import { runJavaScript } from '../sandbox/javascript.js';
import { runPython } from '../sandbox/python.js';
import type { RunOptions, SandboxRequest, SandboxResult } from '../sandbox/result.js';

function settle(result: SandboxResult, context: NodeContext): unknown {
  for (const line of result.logs)
    (line.level === 'error' ? context.log.error : line.level === 'warn' ? context.log.warn : context.log.info)(`console: ${line.message}`);
  if (result.ok) return result.output;
  throw new NodeError(result.error.code, result.error.message, { logs: result.logs, durationMs: result.durationMs }, { retryable: false });
}

/** Code returns anything: its output has a shape only when the node declares one. */
const outputSchema = field.json({
  label: 'Output (JSON Schema)',
  help: 'What the code returns; downstream expressions are checked against it',
  schema: z.record(z.string(), z.unknown()),
});

/** What both code nodes declare alike: JSON in and out, the declared shape, never retried, local when short. */
const codeNode = {
  category: 'code' as const,
  kind: 'activity' as const,
  inputs: [{ name: 'in', dataType: 'any' as const }],
  outputs: [{ name: 'out', dataType: 'json' as const }],
  outputShape: (c: { outputSchema?: Record<string, unknown> | undefined }) =>
    c.outputSchema ? shapeFromJsonSchema(c.outputSchema) : undefined,
  operations: () => ['code' as const],
  defaults: { retry: { maxAttempts: 1 } },
  // Bounded by its own time limit: short limits run as local activities.
  execution: (config: { timeoutMs: number }, limits: { timeoutMs: number }) => localWithin(config.timeoutMs, limits.timeoutMs),
};

/**
 * Runs the node's code in `sandbox` and settles the result. The run's owner keys the isolate or interpreter: another
 * owner's calls never run on it (nodes/sandbox/javascript-pool.ts, nodes/sandbox/python.ts).
 */
const inSandbox =
  (sandbox: (request: SandboxRequest, options: RunOptions) => Promise<SandboxResult>) =>
  async (input: unknown, { code, timeoutMs, memoryLimitMb }: Omit<SandboxRequest, 'input'>, context: NodeContext) =>
    settle(
      await sandbox(
        // A memory limit only where the node has the field: the Python sandbox refuses one (its cap is a sandbox setting).
        { code, input, timeoutMs, ...(memoryLimitMb === undefined ? {} : { memoryLimitMb }) },
        { signal: context.signal, owner: await context.owner?.() },
      ),
      context,
    );

export const javascriptNode = defineNode({
  ...codeNode,
  type: 'code.javascript',
  version: 1,
  displayName: 'Code (JavaScript)',
  description: 'Runs your JavaScript on the input (`input` or `$json`) and outputs what it returns. No network, files or packages.',
  fields: {
    code: field.code({ label: 'Code', language: 'javascript', required: true, default: 'return input;' }),
    timeoutMs: field.number({ label: 'Time limit (ms)', default: 5_000, min: 10, max: 60_000, int: true }),
    memoryLimitMb: field.number({ label: 'Memory limit (MB)', default: 64, min: 8, max: 512, int: true }),
    outputSchema,
  },
  execute: inSandbox(runJavaScript),
});

export const pythonNode = defineNode({
  ...codeNode,
  type: 'code.python',
  version: 1,
  displayName: 'Code (Python)',
  description: 'Runs your Python (standard library only) on `input` and outputs what it returns. No network or files.',
  fields: {
    code: field.code({ label: 'Code', language: 'python', required: true, default: 'return input' }),
    timeoutMs: field.number({ label: 'Time limit (ms)', default: 10_000, min: 10, max: 120_000, int: true }),
    outputSchema,
  },
  execute: inSandbox(runPython),
});
