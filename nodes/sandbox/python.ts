// The `code.python` engine: user Python on Pyodide (CPython in WebAssembly) in worker threads that keep a warm
// interpreter (loading one costs ~2-3 s). Standard library only, no network, no host file system, no way to the
// JS side. A call past its limit is interrupted (KeyboardInterrupt); a worker that does not answer within a grace
// period, runs out of memory or breaks is terminated and a fresh one takes its place.
//
// Convention: the user's code is the body of `main(input)`: `input` is the JSON input as dicts and lists, and
// `return value` gives the output (no return: null). print() lines become `log` entries, stderr lines `error`.
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { PythonWorker } from './python-thread.js';
import {
  LogCollector, SANDBOX_LIMITS, elapsedSince, inputJson, sandboxError, sandboxRequestSchema,
  type RunOptions, type SandboxError, type SandboxResult,
} from './result.js';

export interface PythonRequest {
  code: string;
  input: unknown;
  /** Wall time from when the interpreter starts on the call, default 10000. */
  timeoutMs?: number;
}

export interface PythonSandboxOptions {
  /** Warm interpreters; each runs one call at a time, calls queue on the least busy. Default 1. */
  poolSize?: number;
  /** Cap on each interpreter's WebAssembly memory, default 512 (it needs ~40 at rest). */
  memoryLimitMb?: number;
  /** How long an interrupted call may take to stop before its worker is terminated, default 1000. */
  graceMs?: number;
  /** Replace an interpreter after this many calls (module state accumulates). Default 1000. */
  recycleAfterCalls?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

const envelopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ok'), output: z.unknown() }),
  z.object({ kind: z.literal('syntax'), message: z.string() }),
  z.object({ kind: z.literal('threw'), type: z.string(), message: z.string(), traceback: z.string() }),
  z.object({ kind: z.literal('not-json'), message: z.string() }),
  z.object({ kind: z.literal('too-large'), chars: z.number() }),
  z.object({ kind: z.literal('interrupted') }),
  z.object({ kind: z.literal('memory') }),
  z.object({ kind: z.literal('broken'), message: z.string(), fatal: z.boolean() }),
]);

type Envelope = z.infer<typeof envelopeSchema>;

export class PythonSandbox {
  private readonly workers: (PythonWorker | undefined)[];
  private readonly options: Required<PythonSandboxOptions>;
  private readonly indexURL: string;

  constructor(options: PythonSandboxOptions = {}) {
    this.options = { poolSize: 1, memoryLimitMb: 512, graceMs: 1_000, recycleAfterCalls: 1_000, ...options };
    this.workers = Array.from({ length: Math.max(1, this.options.poolSize) }, () => undefined);
    // Pyodide locates its files from the stack of the caller, which a source-map loader can rewrite: name the folder.
    const entry = createRequire(import.meta.url).resolve('pyodide/package.json');
    this.indexURL = path.dirname(entry) + path.sep;
  }

  /** Starts every interpreter now, so that no call pays the load. */
  async warm(): Promise<void> {
    await Promise.all(this.workers.map((_, slot) => this.workerAt(slot).ready));
  }

  async run(request: PythonRequest, options: RunOptions = {}): Promise<SandboxResult> {
    const startedAt = performance.now();
    const logs = new LogCollector(startedAt);
    const fail = (error: SandboxError): SandboxResult => ({ ok: false, error, logs: logs.finish(), durationMs: elapsedSince(startedAt) });
    const parsed = sandboxRequestSchema.omit({ memoryLimitMb: true }).strict().safeParse(request);
    if (!parsed.success) return fail(sandboxError('CODE_INVALID_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')));
    const input = inputJson(parsed.data.input);
    if (!input.ok) return fail(input.error);
    if (options.signal?.aborted) return fail(sandboxError('CODE_CANCELLED'));

    const slot = this.leastBusySlot();
    const worker = this.workerAt(slot);
    const outcome = await worker.call(
      { code: parsed.data.code, inputJson: input.json, maxOutputChars: SANDBOX_LIMITS.maxOutputBytes },
      parsed.data.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      options.signal,
    );
    for (const line of outcome.logs) logs.add(line.level, line.message);

    let result: { ok: true; output: unknown } | { ok: false; error: SandboxError };
    let retire = false;
    if (outcome.kind === 'stopped') {
      result = { ok: false, error: sandboxError(outcome.why, outcome.why === 'CODE_TIMEOUT' ? `${parsed.data.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms` : undefined) };
    } else if (outcome.kind === 'died') {
      retire = true;
      result = { ok: false, error: outcome.outOfMemory ? sandboxError('CODE_MEMORY_LIMIT', 'the interpreter ran out of memory') : sandboxError('CODE_SANDBOX_FAILED', outcome.message) };
    } else {
      const settled = settle(outcome.envelope);
      retire = settled.retire;
      result = settled.result;
    }
    if (retire || worker.dead || worker.calls >= this.options.recycleAfterCalls) this.retire(slot, worker);
    return { ...result, logs: logs.finish(), durationMs: elapsedSince(startedAt) };
  }

  /** Terminates every interpreter; the next call starts a fresh one. */
  async shutdown(): Promise<void> {
    const running = this.workers.splice(0, this.workers.length, ...this.workers.map(() => undefined));
    await Promise.all(running.map((worker) => worker?.terminate()));
  }

  private workerAt(slot: number): PythonWorker {
    let worker = this.workers[slot];
    if (!worker || worker.dead) {
      worker = new PythonWorker(new URL('./python-worker.mjs', import.meta.url), {
        indexURL: this.indexURL, memoryLimitMb: this.options.memoryLimitMb, graceMs: this.options.graceMs,
      });
      this.workers[slot] = worker;
    }
    return worker;
  }

  private leastBusySlot(): number {
    let best = 0;
    for (let slot = 1; slot < this.workers.length; slot++) {
      if ((this.workers[slot]?.queued ?? 0) < (this.workers[best]?.queued ?? 0)) best = slot;
    }
    return best;
  }

  private retire(slot: number, worker: PythonWorker): void {
    if (this.workers[slot] === worker) this.workers[slot] = undefined;
    void worker.terminate();
  }
}

function settle(raw: string): { result: { ok: true; output: unknown } | { ok: false; error: SandboxError }; retire: boolean } {
  let envelope: Envelope;
  try {
    envelope = envelopeSchema.parse(JSON.parse(raw));
  } catch {
    return { result: { ok: false, error: sandboxError('CODE_SANDBOX_FAILED', 'unreadable answer from the interpreter') }, retire: true };
  }
  const failed = (error: SandboxError, retire = false) => ({ result: { ok: false as const, error }, retire });
  switch (envelope.kind) {
    case 'ok': return { result: { ok: true, output: envelope.output }, retire: false };
    case 'syntax': return failed(sandboxError('CODE_SYNTAX_ERROR', envelope.message));
    case 'threw': return failed(sandboxError('CODE_RUNTIME_ERROR', `${envelope.type}: ${envelope.message}`, envelope.traceback || undefined));
    case 'not-json': return failed(sandboxError('CODE_OUTPUT_NOT_JSON', envelope.message));
    case 'too-large': return failed(sandboxError('CODE_OUTPUT_TOO_LARGE', `${envelope.chars} characters (limit ${SANDBOX_LIMITS.maxOutputBytes})`));
    // An interrupt we did not send: the user raised KeyboardInterrupt themselves.
    case 'interrupted': return failed(sandboxError('CODE_RUNTIME_ERROR', 'KeyboardInterrupt'));
    // WebAssembly memory never shrinks, and a MemoryError can strike inside the runtime: start afresh.
    case 'memory': return failed(sandboxError('CODE_MEMORY_LIMIT'), true);
    case 'broken': return failed(sandboxError('CODE_SANDBOX_FAILED', envelope.message), envelope.fatal);
  }
}

let shared: PythonSandbox | undefined;

/** Runs one call on the process-wide sandbox (created on first use; the first call pays the interpreter's load). */
export function runPython(request: PythonRequest, options: RunOptions = {}): Promise<SandboxResult> {
  shared ??= new PythonSandbox();
  return shared.run(request, options);
}

/** Loads the process-wide interpreter ahead of the first call (a worker process does this at start). */
export async function warmPythonSandbox(): Promise<void> {
  shared ??= new PythonSandbox();
  await shared.warm();
}

/** Terminates the process-wide interpreters, for a clean exit. */
export async function shutdownPythonSandbox(): Promise<void> {
  const sandbox = shared;
  shared = undefined;
  await sandbox?.shutdown();
}
