// The `code.javascript` engine: user JavaScript in an isolated-vm isolate (its own V8 heap with a memory cap, no
// require, process, import, timers, file system or network), data passed in and out as JSON strings, never as host
// references. Isolates are kept warm and leased to one call at a time; each call gets a fresh context, so no global
// survives from one call to the next, and an isolate that was disposed (memory, timeout, cancel) is replaced.
import ivm from 'isolated-vm';
import { z } from 'zod';
import { IsolateCall, firstFrames, messageOf, readEnvelope } from './javascript-call.js';
import { USER_FILENAME, wrapUserCode } from './javascript-guest.js';
import { IsolatePool, type IsolateLease } from './javascript-pool.js';
import {
  LogCollector,
  SANDBOX_LIMITS,
  elapsedSince,
  inputJson,
  sandboxError,
  sandboxRequestSchema,
  type RunOptions,
  type SandboxError,
  type SandboxResult,
} from './result.js';

export interface JavaScriptRequest {
  code: string;
  input: unknown;
  /** CPU and wall time, default 5000. */
  timeoutMs?: number;
  /** The isolate's heap cap, default 64 (isolated-vm's minimum is 8). */
  memoryLimitMb?: number;
}

export interface JavaScriptSandboxOptions {
  /** Isolates running at once; more calls wait their turn. Default 2 (one a core on the workers we run). */
  maxIsolates?: number;
  /** Replace a warm isolate after this many calls, to bound what a long-lived heap accumulates. Default 500. */
  recycleAfterCalls?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_MEMORY_MB = 64;

// The guest's answer (javascript-guest.ts): validated, because everything inside the isolate is under the user's control.
const envelopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ok'), output: z.unknown() }),
  z.object({ kind: z.literal('threw'), name: z.string(), message: z.string(), stack: z.string() }),
  z.object({ kind: z.literal('not-json'), message: z.string() }),
  z.object({ kind: z.literal('too-large'), chars: z.number() }),
  z.object({ kind: z.literal('syntax'), message: z.string() }),
]);

export class JavaScriptSandbox {
  private readonly pool: IsolatePool;

  constructor(options: JavaScriptSandboxOptions = {}) {
    this.pool = new IsolatePool(options.maxIsolates ?? 2, options.recycleAfterCalls ?? 500);
  }

  async run(request: JavaScriptRequest, options: RunOptions = {}): Promise<SandboxResult> {
    const startedAt = performance.now();
    const logs = new LogCollector(startedAt);
    const fail = (error: SandboxError): SandboxResult => ({ ok: false, error, logs: logs.finish(), durationMs: elapsedSince(startedAt) });

    const parsed = sandboxRequestSchema.safeParse(request);
    if (!parsed.success)
      return fail(sandboxError('CODE_INVALID_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')));
    const input = inputJson(parsed.data.input);
    if (!input.ok) return fail(input.error);
    const { signal } = options;
    if (signal?.aborted) return fail(sandboxError('CODE_CANCELLED'));

    const lease = await this.pool.acquire(parsed.data.memoryLimitMb ?? DEFAULT_MEMORY_MB, options.owner, signal);
    if (!lease) return fail(sandboxError('CODE_CANCELLED'));
    try {
      return await this.execute(lease, parsed.data.code, input.json, parsed.data.timeoutMs ?? DEFAULT_TIMEOUT_MS, logs, startedAt, signal);
    } finally {
      this.pool.release(lease);
    }
  }

  private async execute(
    lease: IsolateLease,
    code: string,
    json: string,
    timeoutMs: number,
    logs: LogCollector,
    startedAt: number,
    signal: AbortSignal | undefined,
  ): Promise<SandboxResult> {
    const { isolate } = lease;
    const done = (result: { ok: true; output: unknown } | { ok: false; error: SandboxError }): SandboxResult => ({
      ...result,
      logs: logs.finish(),
      durationMs: elapsedSince(startedAt),
    });
    const call = new IsolateCall(isolate, timeoutMs, signal);
    try {
      let script: ivm.Script;
      try {
        script = call.hold(await isolate.compileScript(wrapUserCode(code), { filename: USER_FILENAME, lineOffset: -1 }));
      } catch (err) {
        if (isolate.isDisposed) throw err;
        return done({ ok: false, error: sandboxError('CODE_SYNTAX_ERROR', messageOf(err)) });
      }
      const context = await call.createContext();
      // Arguments are copied out of the isolate; the collector checks them because the user can call it directly.
      await context.global.set('__loomLog', new ivm.Callback((level: unknown, message: unknown) => logs.addFromGuest(level, message)));
      const runner = call.hold((await lease.bootstrap.run(context, { reference: true, timeout: timeoutMs })) as ivm.Reference);
      const userFunction = call.hold((await script.run(context, { reference: true, timeout: timeoutMs })) as ivm.Reference);
      const answer: unknown = await runner.apply(undefined, [userFunction.derefInto(), json], {
        timeout: timeoutMs,
        result: { promise: true },
      });
      return done(settle(answer));
    } catch (err) {
      return done({ ok: false, error: call.failure(err) });
    } finally {
      call.end();
    }
  }

  /** Disposes every isolate; the next call starts a cold one. */
  dispose(): void {
    this.pool.dispose();
  }
}

function settle(answer: unknown): { ok: true; output: unknown } | { ok: false; error: SandboxError } {
  const read = readEnvelope(answer, envelopeSchema, 64);
  if (!read.ok) return read;
  const { envelope } = read;
  switch (envelope.kind) {
    case 'ok':
      return { ok: true, output: envelope.output };
    case 'threw':
      return { ok: false, error: sandboxError('CODE_RUNTIME_ERROR', `${envelope.name}: ${envelope.message}`, firstFrames(envelope.stack)) };
    case 'not-json':
      return { ok: false, error: sandboxError('CODE_OUTPUT_NOT_JSON', envelope.message) };
    case 'too-large':
      return {
        ok: false,
        error: sandboxError('CODE_OUTPUT_TOO_LARGE', `${envelope.chars} characters (limit ${SANDBOX_LIMITS.maxOutputBytes} bytes)`),
      };
    case 'syntax':
      return { ok: false, error: sandboxError('CODE_SYNTAX_ERROR', envelope.message) };
  }
}

let shared: JavaScriptSandbox | undefined;

/** Runs one call on the process-wide sandbox (created on first use). */
export function runJavaScript(request: JavaScriptRequest, options: RunOptions = {}): Promise<SandboxResult> {
  shared ??= new JavaScriptSandbox();
  return shared.run(request, options);
}

/** Disposes the process-wide sandbox's isolates (tests, shutdown, or measuring a cold call). */
export function disposeJavaScriptSandbox(): void {
  shared?.dispose();
  shared = undefined;
}
