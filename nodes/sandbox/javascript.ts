// The `code.javascript` engine: user JavaScript in an isolated-vm isolate (its own V8 heap with a memory cap, no
// require, process, import, timers, file system or network), data passed in and out as JSON strings, never as host
// references. Isolates are kept warm and leased to one call at a time; each call gets a fresh context, so no global
// survives from one call to the next, and an isolate that was disposed (memory, timeout, cancel) is replaced.
import ivm from 'isolated-vm';
import { z } from 'zod';
import { USER_FILENAME, wrapUserCode } from './javascript-guest.js';
import { IsolatePool, type IsolateLease } from './javascript-pool.js';
import {
  LogCollector,
  SANDBOX_LIMITS,
  elapsedSince,
  inputJson,
  sandboxError,
  sandboxRequestSchema,
  type LogLevel,
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

// The guest's answer: validated, because everything inside the isolate is under the user's control.
const envelopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ok'), output: z.unknown() }),
  z.object({ kind: z.literal('threw'), name: z.string(), message: z.string(), stack: z.string() }),
  z.object({ kind: z.literal('not-json'), message: z.string() }),
  z.object({ kind: z.literal('too-large'), chars: z.number() }),
  z.object({ kind: z.literal('syntax'), message: z.string() }),
]);

const LOG_LEVELS: ReadonlySet<string> = new Set<LogLevel>(['log', 'info', 'warn', 'error']);

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
    // The wall clock covers what the CPU limit cannot see (a promise that never settles) and a host event loop
    // too busy to notice; disposing the leased isolate is the one way to stop it, and it costs no other call.
    let stoppedFor: 'CODE_TIMEOUT' | 'CODE_CANCELLED' | undefined;
    const stop = (why: 'CODE_TIMEOUT' | 'CODE_CANCELLED') => {
      stoppedFor ??= why;
      if (!isolate.isDisposed) isolate.dispose();
    };
    const wall = setTimeout(() => stop('CODE_TIMEOUT'), timeoutMs);
    const onAbort = () => stop('CODE_CANCELLED');
    signal?.addEventListener('abort', onAbort, { once: true });
    let context: ivm.Context | undefined;
    // Handles into the context (the runner, the user's function, its script): held, they keep the dead context and
    // its data alive in the isolate's heap until the host's GC collects them, and a warm isolate fills up in a few
    // hundred calls (CODE_MEMORY_LIMIT for a call that used none). Released with the context.
    const handles: { release(): void }[] = [];
    try {
      let script: ivm.Script;
      try {
        script = await isolate.compileScript(wrapUserCode(code), { filename: USER_FILENAME, lineOffset: -1 });
        handles.push(script);
      } catch (err) {
        if (isolate.isDisposed) throw err;
        return done({ ok: false, error: sandboxError('CODE_SYNTAX_ERROR', err instanceof Error ? err.message : String(err)) });
      }
      context = await isolate.createContext();
      // Arguments are copied out of the isolate; the callback checks them because the user can call it directly.
      await context.global.set(
        '__loomLog',
        new ivm.Callback((level: unknown, message: unknown) => {
          if (typeof level === 'string' && LOG_LEVELS.has(level) && typeof message === 'string') logs.add(level as LogLevel, message);
        }),
      );
      const runner = (await lease.bootstrap.run(context, { reference: true, timeout: timeoutMs })) as ivm.Reference;
      handles.push(runner);
      const userFunction = (await script.run(context, { reference: true, timeout: timeoutMs })) as ivm.Reference;
      handles.push(userFunction);
      const answer: unknown = await runner.apply(undefined, [userFunction.derefInto(), json], {
        timeout: timeoutMs,
        result: { promise: true },
      });
      return done(settle(answer));
    } catch (err) {
      return done({ ok: false, error: classifyStop(err, stoppedFor, isolate, elapsedSince(startedAt), timeoutMs) });
    } finally {
      clearTimeout(wall);
      signal?.removeEventListener('abort', onAbort);
      if (!isolate.isDisposed) {
        for (const handle of handles) handle.release();
        context?.release();
      }
    }
  }

  /** Disposes every isolate; the next call starts a cold one. */
  dispose(): void {
    this.pool.dispose();
  }
}

function settle(answer: unknown): { ok: true; output: unknown } | { ok: false; error: SandboxError } {
  if (typeof answer !== 'string') return { ok: false, error: sandboxError('CODE_OUTPUT_NOT_JSON', 'the sandbox answer was not text') };
  if (Buffer.byteLength(answer) > SANDBOX_LIMITS.maxOutputBytes + 64) {
    return { ok: false, error: sandboxError('CODE_OUTPUT_TOO_LARGE', `over ${SANDBOX_LIMITS.maxOutputBytes} bytes`) };
  }
  let envelope: z.infer<typeof envelopeSchema>;
  try {
    envelope = envelopeSchema.parse(JSON.parse(answer));
  } catch {
    return { ok: false, error: sandboxError('CODE_OUTPUT_NOT_JSON', 'the sandbox answer was tampered with') };
  }
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

/** Enough frames to find the line; a stack overflow would otherwise send thousands. */
function firstFrames(stack: string): string | undefined {
  return stack ? stack.split('\n').slice(0, 10).join('\n') : undefined;
}

// The guest never throws (the runner catches the user's errors), so a rejected call means the isolate was stopped:
// by us (wall clock, cancel), by itself (heap over its cap disposes the isolate), or by isolated-vm's own timer.
function classifyStop(
  err: unknown,
  stoppedFor: SandboxError['code'] | undefined,
  isolate: ivm.Isolate,
  elapsedMs: number,
  timeoutMs: number,
): SandboxError {
  if (stoppedFor === 'CODE_CANCELLED') return sandboxError('CODE_CANCELLED');
  if (stoppedFor === 'CODE_TIMEOUT') return sandboxError('CODE_TIMEOUT', `${timeoutMs} ms`);
  if (isolate.isDisposed) return sandboxError('CODE_MEMORY_LIMIT', 'the isolate ran out of heap and was discarded');
  if (elapsedMs >= timeoutMs * 0.9) return sandboxError('CODE_TIMEOUT', `${timeoutMs} ms`);
  return sandboxError('CODE_SANDBOX_FAILED', err instanceof Error ? err.message : String(err));
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
