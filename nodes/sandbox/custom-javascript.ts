// The JavaScript runtime of custom nodes: an uploaded node's module (transpiled, importing only '@loom/sdk') runs in
// an isolated-vm context of its owner's warm isolate (javascript-pool.ts), fresh for every call, for two jobs:
// extraction (evaluate the module, hand back its declaration as JSON, custom/protocol.ts ExtractionResult) and
// execution (call its execute(input, config, context), with the bridge as the context's only door). As in
// javascript.ts: JSON strings across the boundary, a wall clock that disposes the isolate, an envelope validated here.
import ivm from 'isolated-vm';
import { z } from 'zod';
import type { CustomNodeBridge, CustomNodeCall, CustomNodeResult, ExtractionResult, GuestNodeError } from '../custom/protocol.js';
import { BridgeRelay } from './custom-javascript-bridge.js';
import { BRIDGE_LIMITS } from './custom-javascript-context.js';
import { CUSTOM_GUEST_BOOTSTRAP, CUSTOM_NODE_FILENAME } from './custom-javascript-guest.js';
import { inAuthorLines } from './custom-javascript-lines.js';
import { SDK_MODULE_SOURCE, SDK_SPECIFIER } from './custom-javascript-sdk.js';
import { parseUrlForGuest } from './custom-javascript-web.js';
import { IsolateCall, firstFrames, messageOf, readEnvelope } from './javascript-call.js';
import { IsolatePool, type IsolateLease } from './javascript-pool.js';
import { LogCollector, elapsedSince, inputJson, sandboxError, type RunOptions, type SandboxError } from './result.js';

export interface CustomJavaScriptSandboxOptions {
  /** Isolates running at once; more calls wait their turn. Default 2. */
  maxIsolates?: number;
  /** Replace a warm isolate after this many calls. Default 500. */
  recycleAfterCalls?: number;
}

/** Extraction evaluates the module and reads data: a declaration that takes longer or more is refused. */
/** `maxModuleChars`: a 256 KB source transpiled, with its inline source map (mappings only), fits with room. */
export const EXTRACTION_LIMITS = { timeoutMs: 2_000, memoryLimitMb: 64, maxModuleChars: 2_000_000 } as const;
const DEFAULT_MEMORY_MB = 64;

const callSchema = z.object({
  source: z.string().max(EXTRACTION_LIMITS.maxModuleChars),
  input: z.unknown(),
  config: z.record(z.string(), z.unknown()),
  meta: z.object({
    runId: z.string(),
    nodeId: z.string(),
    attempt: z.number().int().min(1),
    idempotencyKey: z.string(),
    attachedSlots: z.array(z.string()),
  }),
  timeoutMs: z.number().int().min(1).max(600_000),
  memoryLimitMb: z.number().int().min(8).max(4_096).optional(),
}) satisfies z.ZodType<CustomNodeCall>;

// The guest's answer (custom-javascript-guest.ts): validated, because everything inside the isolate is the node's.
const dropped = { dropped: z.number().int().min(0) };
const thrownShape = { name: z.string(), message: z.string(), stack: z.string() };
const envelopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('output'), output: z.unknown(), ...dropped }),
  z.object({ kind: z.literal('declaration'), declaration: z.unknown(), ...dropped }),
  z.object({ kind: z.literal('threw'), ...thrownShape, ...dropped }),
  z.object({
    kind: z.literal('node-error'),
    ...thrownShape,
    code: z.string().min(1),
    retryable: z.boolean().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
    ...dropped,
  }),
  z.object({ kind: z.literal('not-json'), message: z.string(), ...dropped }),
  z.object({ kind: z.literal('too-large'), chars: z.number(), limit: z.number(), ...dropped }),
  z.object({ kind: z.literal('not-node'), message: z.string(), ...dropped }),
]);
type Envelope = z.infer<typeof envelopeSchema>;

type Settled = { ok: true; envelope: Envelope } | { ok: false; error: SandboxError };

/** One call's isolate-side handles, given to the job once the module is evaluated. */
interface Loaded {
  dispatch: ivm.Reference;
  namespace: ivm.Reference;
  remainingMs: () => number;
}

/** What a session runs: a module under these bounds, then `job` on it; a bridge only for execution. */
interface Session {
  source: string;
  memoryLimitMb: number;
  timeoutMs: number;
  options: RunOptions;
  logs: LogCollector;
  bridge?: CustomNodeBridge;
  job: (loaded: Loaded) => Promise<unknown>;
}

export class CustomJavaScriptSandbox {
  private readonly pool: IsolatePool;

  constructor(options: CustomJavaScriptSandboxOptions = {}) {
    this.pool = new IsolatePool(options.maxIsolates ?? 2, options.recycleAfterCalls ?? 500, CUSTOM_GUEST_BOOTSTRAP);
  }

  /** Evaluates the module and answers its declaration (the host validates it: nodes/custom). */
  async extract(code: string, options: RunOptions = {}): Promise<ExtractionResult> {
    const startedAt = performance.now();
    const fail = (error: SandboxError): ExtractionResult => ({
      ok: false,
      error: inAuthorLines(error, code),
      durationMs: elapsedSince(startedAt),
    });
    if (typeof code !== 'string' || code.length > EXTRACTION_LIMITS.maxModuleChars) {
      return fail(
        sandboxError('CODE_INVALID_REQUEST', `the module must be text of at most ${EXTRACTION_LIMITS.maxModuleChars} characters`),
      );
    }
    const settled = await this.session({
      source: code,
      memoryLimitMb: EXTRACTION_LIMITS.memoryLimitMb,
      timeoutMs: EXTRACTION_LIMITS.timeoutMs,
      options,
      logs: new LogCollector(startedAt),
      job: ({ dispatch, namespace, remainingMs }) =>
        dispatch.apply(undefined, ['extract', namespace.derefInto()], { timeout: remainingMs() }),
    });
    if (!settled.ok) return fail(settled.error);
    const { envelope } = settled;
    if (envelope.kind === 'declaration') return { ok: true, declaration: envelope.declaration, durationMs: elapsedSince(startedAt) };
    return fail(failureOf(envelope).error);
  }

  /** Calls the node's execute(input, config, context); the context's capabilities all go through `bridge`. */
  async run(call: CustomNodeCall, bridge: CustomNodeBridge, options: RunOptions = {}): Promise<CustomNodeResult> {
    const startedAt = performance.now();
    const logs = new LogCollector(startedAt);
    const fail = (error: SandboxError, nodeError?: GuestNodeError): CustomNodeResult => ({
      ok: false,
      error: typeof call.source === 'string' ? inAuthorLines(error, call.source) : error,
      ...(nodeError ? { nodeError } : {}),
      logs: logs.finish(),
      durationMs: elapsedSince(startedAt),
    });
    const parsed = callSchema.safeParse(call);
    if (!parsed.success) {
      return fail(sandboxError('CODE_INVALID_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')));
    }
    const { source, config, meta, timeoutMs, memoryLimitMb } = parsed.data;
    const input = inputJson(parsed.data.input);
    if (!input.ok) return fail(input.error);
    const configJson = inputJson(config);
    if (!configJson.ok) return fail(configJson.error);
    const metaJson = JSON.stringify(meta);

    const settled = await this.session({
      source,
      memoryLimitMb: memoryLimitMb ?? DEFAULT_MEMORY_MB,
      timeoutMs,
      options,
      logs,
      bridge,
      job: ({ dispatch, namespace, remainingMs }) =>
        dispatch.apply(undefined, ['execute', namespace.derefInto(), input.json, configJson.json, metaJson], {
          timeout: remainingMs(),
          result: { promise: true },
        }),
    });
    if (!settled.ok) return fail(settled.error);
    const { envelope } = settled;
    if (envelope.kind === 'output') return { ok: true, output: envelope.output, logs: logs.finish(), durationMs: elapsedSince(startedAt) };
    const failure = failureOf(envelope);
    return fail(failure.error, failure.nodeError);
  }

  /**
   * Leases the owner's isolate, evaluates the module in a fresh context and runs `job` on it, under the wall clock and
   * the signal: what stops a call disposes its isolate (the pool replaces it), which costs no other call.
   */
  private async session({ source, memoryLimitMb, timeoutMs, options, logs, bridge, job }: Session): Promise<Settled> {
    const { signal } = options;
    if (signal?.aborted) return { ok: false, error: sandboxError('CODE_CANCELLED') };
    const lease = await this.pool.acquire(memoryLimitMb, options.owner, signal);
    if (!lease) return { ok: false, error: sandboxError('CODE_CANCELLED') };
    const call = new IsolateCall(lease.isolate, timeoutMs, signal);
    let relay: BridgeRelay | undefined;
    try {
      const context = await call.createContext();
      // The guest's one way out. Arguments are copied out of the isolate and checked: the node's code can call it.
      await context.global.set(
        '__loomHost',
        new ivm.Callback((kind: unknown, a: unknown, b: unknown, c: unknown, d: unknown) => {
          if (kind === 'bridge') relay?.send(a, b, c);
          else if (kind === 'url') return parseUrlForGuest(a, b, c, d);
          else if (kind === 'console') logs.addFromGuest(a, b);
          return null;
        }),
      );
      const dispatch = call.hold((await lease.bootstrap.run(context, { reference: true, timeout: call.remainingMs() })) as ivm.Reference);
      if (bridge) relay = new BridgeRelay(bridge, (id, ok, answer) => dispatch.apply(undefined, ['deliver', id, ok, answer]));
      const loaded = await this.load(lease, context, source, call);
      if (!loaded.ok) return loaded;
      try {
        await loaded.module.evaluate({ timeout: call.remainingMs() });
      } catch (err) {
        if (call.stopped()) throw err;
        return { ok: false, error: moduleThrew(err) };
      }
      const namespace = call.hold(loaded.module.namespace);
      const answer = await job({ dispatch, namespace, remainingMs: () => call.remainingMs() });
      return settle(answer, logs);
    } catch (err) {
      return { ok: false, error: call.failure(err) };
    } finally {
      relay?.close();
      call.end();
      this.pool.release(lease);
    }
  }

  /** Compiles and links the module; '@loom/sdk' is the one import there is, and it is answered per context. */
  private async load(
    lease: IsolateLease,
    context: ivm.Context,
    source: string,
    call: IsolateCall,
  ): Promise<{ ok: true; module: ivm.Module } | { ok: false; error: SandboxError }> {
    const { isolate } = lease;
    let module: ivm.Module;
    try {
      module = call.hold(await isolate.compileModule(source, { filename: CUSTOM_NODE_FILENAME }));
    } catch (err) {
      if (isolate.isDisposed) throw err;
      return { ok: false, error: sandboxError('CODE_SYNTAX_ERROR', messageOf(err)) };
    }
    try {
      await module.instantiate(context, (specifier) => {
        if (specifier !== SDK_SPECIFIER)
          throw new Error(`"${specifier}" cannot be imported: a custom node imports only '${SDK_SPECIFIER}'`);
        return call.hold(isolate.compileModuleSync(SDK_MODULE_SOURCE, { filename: 'loom-sdk.js' }));
      });
    } catch (err) {
      if (isolate.isDisposed) throw err;
      return { ok: false, error: sandboxError('CODE_SYNTAX_ERROR', messageOf(err)) };
    }
    return { ok: true, module };
  }

  /** Disposes every isolate; the next call starts a cold one. */
  dispose(): void {
    this.pool.dispose();
  }
}

function settle(answer: unknown, logs: LogCollector): Settled {
  const read = readEnvelope(answer, envelopeSchema, 64 * 1024);
  if (read.ok && read.envelope.dropped > 0) {
    logs.add('warn', `${read.envelope.dropped} more context.log and context.progress calls dropped (limit ${BRIDGE_LIMITS.maxEmits})`);
  }
  return read;
}

/** The failure an envelope reports; a success of the other job (an output for an extraction) is the sandbox's fault. */
function failureOf(envelope: Envelope): { error: SandboxError; nodeError?: GuestNodeError } {
  switch (envelope.kind) {
    case 'output':
    case 'declaration':
      return { error: sandboxError('CODE_SANDBOX_FAILED', `the guest answered ${envelope.kind} to the wrong request`) };
    case 'threw':
      return { error: sandboxError('CODE_RUNTIME_ERROR', `${envelope.name}: ${envelope.message}`, firstFrames(envelope.stack)) };
    case 'node-error': {
      const { code, message, retryable, details } = envelope;
      return {
        error: sandboxError('CODE_RUNTIME_ERROR', `${code}: ${message}`, firstFrames(envelope.stack)),
        nodeError: { code, message, ...(retryable === undefined ? {} : { retryable }), ...(details === undefined ? {} : { details }) },
      };
    }
    case 'not-json':
      return { error: sandboxError('CODE_OUTPUT_NOT_JSON', envelope.message) };
    case 'too-large':
      return { error: sandboxError('CODE_OUTPUT_TOO_LARGE', `${envelope.chars} characters (limit ${envelope.limit})`) };
    case 'not-node':
      return { error: sandboxError('CODE_INVALID_REQUEST', envelope.message) };
  }
}

/** The module threw while it was evaluated (its top level): the error as isolated-vm copied it out. */
function moduleThrew(err: unknown): SandboxError {
  if (!(err instanceof Error)) return sandboxError('CODE_RUNTIME_ERROR', String(err));
  const frames = (err.stack ?? '')
    .split('\n')
    .filter((line) => line.includes(CUSTOM_NODE_FILENAME))
    .join('\n');
  return sandboxError('CODE_RUNTIME_ERROR', `${err.name}: ${err.message}`, firstFrames(frames));
}

let shared: CustomJavaScriptSandbox | undefined;

/** Extracts a node's declaration on the process-wide custom node sandbox (created on first use). */
export function extractJavaScriptNode(code: string, options: RunOptions = {}): Promise<ExtractionResult> {
  shared ??= new CustomJavaScriptSandbox();
  return shared.extract(code, options);
}

/** Runs one call of a custom node on the process-wide custom node sandbox. */
export function runCustomJavaScript(call: CustomNodeCall, bridge: CustomNodeBridge, options: RunOptions = {}): Promise<CustomNodeResult> {
  shared ??= new CustomJavaScriptSandbox();
  return shared.run(call, bridge, options);
}

/** Disposes the process-wide custom node sandbox's isolates (tests, shutdown). */
export function disposeCustomJavaScriptSandbox(): void {
  shared?.dispose();
  shared = undefined;
}
