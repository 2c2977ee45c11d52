// Custom nodes written in Python (issue #17), on the Python sandbox's interpreters (python.ts): extracting the
// declaration of an uploaded module, and executing its node on the run owner's interpreter with the bridge as its
// only door (nodes/custom/protocol.ts). The guest side is python-sdk.mjs (the `loom` module), python-custom-guest.mjs
// (the runner) and python-bridge-client.mjs (the synchronous bridge in the worker thread).
//
// How a bridge call works: Python calls a JS function of the worker thread, which posts the request to this thread
// and blocks (Atomics.wait) until the answer is posted back; so the guest's `await context.x(...)` have completed
// when they are awaited, and the runner drives execute() with one send(None), with no event loop. The call's time
// limit covers these waits: stopping a call wakes a waiting thread, which gives up (KeyboardInterrupt).
//
// Logs: print() lines are the result's `logs`, as for code.python; context.log and context.progress are the bridge's
// `log` and `progress` requests (fire and forget, in order with the rest), so the host redacts and records them.
import { z } from 'zod';
import {
  BRIDGE_OPS,
  type BridgeOp,
  type CustomNodeBridge,
  type CustomNodeCall,
  type CustomNodeResult,
  type ExtractionResult,
  type GuestNodeError,
} from '../custom/protocol.js';
import { NODE_ERRORS } from '../sdk/error-codes.js';
import { NodeError } from '../sdk/errors.js';
import { BASE_ENVELOPES, readEnvelope, settleEnvelope, type Failed, type Settled } from './python-envelope.js';
import { sharedPythonSandbox, type PythonSandbox } from './python.js';
import type { BridgeLimits } from './python-thread.js';
import { LogCollector, SANDBOX_LIMITS, elapsedSince, inputJson, sandboxError, type RunOptions } from './result.js';

export const CUSTOM_PYTHON_LIMITS = {
  /** A module's source (the upload's own bound is the host's; this one guards the sandbox). */
  maxSourceChars: 1_000_000,
  extractTimeoutMs: 3_000,
  /** The declaration's JSON. */
  maxDeclarationChars: 256 * 1024,
  /** One bridge answer's JSON (an HTTP body, a file's text). */
  maxAnswerChars: 8 * 1024 * 1024,
  /** How deep a request's arguments may nest (the host's validation and redaction recurse over them). */
  maxArgsNesting: 64,
  bridge: {
    ops: BRIDGE_OPS,
    maxArgsChars: 2 * 1024 * 1024,
    maxCalls: 1_000,
    maxLogCalls: SANDBOX_LIMITS.maxLogEntries,
    // Fire-and-forget requests are not waited for, so their bytes are bounded apart: 200 of them stay under 4 MB.
    maxLogArgsChars: 16 * 1024,
  } satisfies BridgeLimits,
} as const;

/** What the custom runner answers besides the common kinds. */
const customEnvelopeSchema = z.discriminatedUnion('kind', [
  ...BASE_ENVELOPES,
  z.object({ kind: z.literal('invalid'), message: z.string() }),
  z.object({
    kind: z.literal('node-error'),
    code: z.string(),
    message: z.string(),
    traceback: z.string(),
    retryable: z.boolean().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
]);

type Answered = { ok: true; output: unknown } | (Failed & { nodeError: GuestNodeError });

function settleCustom(raw: string, maxOutputChars: number): Settled<Answered> {
  const read = readEnvelope(raw, customEnvelopeSchema);
  if (!('envelope' in read)) return read;
  const envelope = read.envelope;
  switch (envelope.kind) {
    case 'invalid':
      return { result: { ok: false, error: sandboxError('CODE_INVALID_REQUEST', envelope.message) }, retire: false };
    case 'node-error': {
      const { code, message, retryable, details, traceback } = envelope;
      const nodeError: GuestNodeError = {
        code,
        message,
        ...(retryable === undefined ? {} : { retryable }),
        ...(details ? { details } : {}),
      };
      const error = sandboxError('CODE_RUNTIME_ERROR', `${code}: ${message}`, traceback || undefined);
      return { result: { ok: false, error, nodeError }, retire: false };
    }
    default:
      return settleEnvelope(envelope, maxOutputChars);
  }
}

/** Runs the module in the sandbox and answers its declaration as JSON (the host validates its shape). */
export async function extractPythonNode(
  source: string,
  options: RunOptions = {},
  sandbox: PythonSandbox = sharedPythonSandbox(),
): Promise<ExtractionResult> {
  const startedAt = performance.now();
  const done = (result: Answered | Failed): ExtractionResult =>
    result.ok
      ? { ok: true, declaration: result.output, durationMs: elapsedSince(startedAt) }
      : { ok: false, error: result.error, durationMs: elapsedSince(startedAt) };
  if (source.length > CUSTOM_PYTHON_LIMITS.maxSourceChars) return done(tooLongSource(source));
  const max = CUSTOM_PYTHON_LIMITS.maxDeclarationChars;
  // What the module prints while it is loaded goes nowhere: extraction has no run to log to.
  const { result } = await sandbox.serve(
    { kind: 'extract', source, maxOutputChars: max },
    CUSTOM_PYTHON_LIMITS.extractTimeoutMs,
    options,
    (raw) => settleCustom(raw, max),
  );
  return done(result);
}

/** Executes the node of `call.source` on the run owner's interpreter; `bridge` answers its context calls. */
export async function runCustomPython(
  call: CustomNodeCall,
  bridge: CustomNodeBridge,
  options: RunOptions = {},
  sandbox: PythonSandbox = sharedPythonSandbox(),
): Promise<CustomNodeResult> {
  const startedAt = performance.now();
  const logs = new LogCollector(startedAt);
  const finish = (result: Answered | Failed): CustomNodeResult => ({ ...result, logs: logs.finish(), durationMs: elapsedSince(startedAt) });
  if (call.source.length > CUSTOM_PYTHON_LIMITS.maxSourceChars) return finish(tooLongSource(call.source));
  const timeout = z.number().int().min(1).max(600_000).safeParse(call.timeoutMs);
  if (!timeout.success)
    return finish({ ok: false, error: sandboxError('CODE_INVALID_REQUEST', `timeoutMs: ${timeout.error.issues[0]?.message}`) });
  const input = inputJson(call.input);
  const config = inputJson(call.config);
  const meta = inputJson(call.meta);
  if (!input.ok) return finish(input);
  if (!config.ok) return finish(config);
  if (!meta.ok) return finish(meta);
  const max = SANDBOX_LIMITS.maxOutputBytes;
  const { result, ...printed } = await sandbox.serve(
    {
      kind: 'custom',
      source: call.source,
      inputJson: input.json,
      configJson: config.json,
      metaJson: meta.json,
      maxOutputChars: max,
      limits: CUSTOM_PYTHON_LIMITS.bridge,
    },
    timeout.data,
    options,
    (raw) => settleCustom(raw, max),
    (op, argsJson) => answerBridge(bridge, op, argsJson),
  );
  for (const line of printed.logs) logs.add(line.level, line.message);
  logs.drop(printed.droppedLogs);
  return finish(result);
}

/**
 * The JSON text the guest reads for one request: `{ok: value}`, or `{error: {code, message, retryable}}` for a
 * refusal. Only a NodeError's code and message cross; anything else the bridge throws is NODE_INTERNAL, with no
 * host message or stack.
 */
async function answerBridge(bridge: CustomNodeBridge, op: BridgeOp, argsJson: string): Promise<string> {
  if (jsonNesting(argsJson) > CUSTOM_PYTHON_LIMITS.maxArgsNesting)
    return refusal('CODE_INVALID_REQUEST', `the arguments of ${op} nest deeper than ${CUSTOM_PYTHON_LIMITS.maxArgsNesting}`);
  try {
    const answer = JSON.stringify({ ok: (await bridge(op, JSON.parse(argsJson) as unknown)) ?? null });
    if (answer.length <= CUSTOM_PYTHON_LIMITS.maxAnswerChars) return answer;
    return refusal('HTTP_RESPONSE_TOO_LARGE', `the answer to ${op} exceeds ${CUSTOM_PYTHON_LIMITS.maxAnswerChars} characters`);
  } catch (err) {
    if (err instanceof NodeError) return refusal(err.code, err.message, err.retryable);
    return refusal('NODE_INTERNAL', NODE_ERRORS.NODE_INTERNAL.message, NODE_ERRORS.NODE_INTERNAL.retryable);
  }
}

/** How deep the arrays and objects of a JSON text nest, in one pass over the text (nothing recursive sees it first). */
function jsonNesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

function refusal(code: string, message: string, retryable = false): string {
  return JSON.stringify({ error: { code, message, retryable } });
}

function tooLongSource(source: string): Failed {
  return {
    ok: false,
    error: sandboxError(
      'CODE_INVALID_REQUEST',
      `the source has ${source.length} characters (limit ${CUSTOM_PYTHON_LIMITS.maxSourceChars})`,
    ),
  };
}
