// The `code.python` engine: user Python on Pyodide (CPython in WebAssembly) in worker threads. Standard library
// only, no network, no host file system, no way to the JS side. A call past its limit is interrupted
// (KeyboardInterrupt); a worker that does not answer within a grace period, runs out of memory or breaks is
// terminated and a fresh one takes its place.
//
// Tenancy: an interpreter serves ONE owner for its whole life, so no state of one owner's call can be seen or
// changed by another owner's (the runner's reset between calls of the same owner is the second line). Booting
// Pyodide costs seconds, so it is booted once into an image (a memory snapshot taken before any call) and every
// interpreter is restored from it (a few hundred ms); one spare is kept restored so a new owner rarely waits.
//
// Convention: the user's code is the body of `main(input)`: `input` is the JSON input as dicts and lists, and
// `return value` gives the output (no return: null). print() lines become `log` entries, stderr lines `error`.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { settleCodeEnvelope, type Failed, type Settled } from './python-envelope.js';
import { PythonWorker, buildInterpreterImage, type BridgeHandler, type CallLogs, type PythonJob } from './python-thread.js';
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

export interface PythonRequest {
  code: string;
  input: unknown;
  /** Wall time from when the interpreter starts on the call, default 10000. */
  timeoutMs?: number;
}

export interface PythonSandboxOptions {
  /** Interpreters alive at once, one per owner; an idle one is ended to make room for another owner. Default 4. */
  maxInterpreters?: number;
  /** Cap on each interpreter's WebAssembly memory, default 512 (it needs ~40 at rest). */
  memoryLimitMb?: number;
  /** How long an interrupted call may take to stop before its worker is terminated, default 1000. */
  graceMs?: number;
  /** Replace an interpreter after this many calls of its owner (state inside library objects accumulates). Default 500. */
  recycleAfterCalls?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

const WORKER_SCRIPT = new URL('./python-worker.mjs', import.meta.url);

export class PythonSandbox {
  /** Interpreters by owner, least recently used first. */
  private readonly byOwner = new Map<string, PythonWorker>();
  private readonly options: Required<PythonSandboxOptions>;
  private readonly indexURL: string;
  private image: Promise<Uint8Array> | undefined;
  private spare: PythonWorker | undefined;
  private readonly turns: (() => void)[] = [];
  private closed = false;
  /** Ends an image build still under way when the sandbox shuts down. */
  private building: AbortController | undefined;

  constructor(options: PythonSandboxOptions = {}) {
    this.options = { maxInterpreters: 4, memoryLimitMb: 512, graceMs: 1_000, recycleAfterCalls: 500, ...options };
    // Pyodide locates its files from the stack of the caller, which a source-map loader can rewrite: name the folder.
    const entry = createRequire(import.meta.url).resolve('pyodide/package.json');
    this.indexURL = path.dirname(entry) + path.sep;
  }

  /** Builds the image and restores the spare now, so that no call pays for them. */
  async warm(): Promise<void> {
    this.closed = false;
    try {
      const spare = await this.takeSpare(false);
      if (spare) await spare.ready;
    } catch (err) {
      // Shut down before it was warm: nothing failed.
      if (!this.closed) throw err;
    }
  }

  async run(request: PythonRequest, options: RunOptions = {}): Promise<SandboxResult> {
    const startedAt = performance.now();
    const logs = new LogCollector(startedAt);
    const fail = (error: SandboxError): SandboxResult => ({ ok: false, error, logs: logs.finish(), durationMs: elapsedSince(startedAt) });
    const parsed = sandboxRequestSchema.omit({ memoryLimitMb: true }).strict().safeParse(request);
    if (!parsed.success)
      return fail(sandboxError('CODE_INVALID_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')));
    const input = inputJson(parsed.data.input);
    if (!input.ok) return fail(input.error);
    if (options.signal?.aborted) return fail(sandboxError('CODE_CANCELLED'));

    const { result, ...printed } = await this.serve(
      { kind: 'code', code: parsed.data.code, inputJson: input.json, maxOutputChars: SANDBOX_LIMITS.maxOutputBytes },
      parsed.data.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      options,
      settleCodeEnvelope,
    );
    for (const line of printed.logs) logs.add(line.level, line.message);
    logs.drop(printed.droppedLogs);
    return { ...result, logs: logs.finish(), durationMs: elapsedSince(startedAt) };
  }

  /**
   * Runs one job on the owner's interpreter (a call without an owner shares its interpreter with nobody: one of its
   * own, ended afterwards) and keeps or retires the interpreter as `read`, given the runner's answer, says.
   */
  async serve<R>(
    job: PythonJob,
    timeoutMs: number,
    options: RunOptions,
    read: (envelope: string) => Settled<R>,
    bridge?: BridgeHandler,
  ): Promise<{ result: R | Failed } & CallLogs> {
    const failed = (error: SandboxError): Failed => ({ ok: false, error });
    if (options.signal?.aborted) return { result: failed(sandboxError('CODE_CANCELLED')), logs: [], droppedLogs: 0 };
    const owner = options.owner ?? `unowned:${randomUUID()}`;
    let worker: PythonWorker;
    try {
      worker = await this.interpreterFor(owner, options.signal);
    } catch (err) {
      const error = options.signal?.aborted
        ? sandboxError('CODE_CANCELLED')
        : sandboxError('CODE_SANDBOX_FAILED', err instanceof Error ? err.message : String(err));
      return { result: failed(error), logs: [], droppedLogs: 0 };
    }
    const outcome = await worker.call(job, timeoutMs, options.signal, bridge);
    let settled: Settled<R>;
    if (outcome.kind === 'stopped') {
      settled = {
        result: failed(sandboxError(outcome.why, outcome.why === 'CODE_TIMEOUT' ? `${timeoutMs} ms` : undefined)),
        retire: false,
      };
    } else if (outcome.kind === 'died') {
      const error = outcome.outOfMemory
        ? sandboxError('CODE_MEMORY_LIMIT', 'the interpreter ran out of memory')
        : sandboxError('CODE_SANDBOX_FAILED', outcome.message);
      settled = { result: failed(error), retire: true };
    } else {
      settled = read(outcome.envelope);
      settled.retire ||= outcome.retire;
    }
    const retire = settled.retire || options.owner === undefined;
    if (retire || worker.dead || worker.calls >= this.options.recycleAfterCalls) this.retire(owner, worker);
    this.turns.shift()?.();
    return { result: settled.result, logs: outcome.logs, droppedLogs: outcome.droppedLogs };
  }

  /** Terminates every interpreter; the next call starts afresh (the image is kept). */
  async shutdown(): Promise<void> {
    this.closed = true;
    this.building?.abort();
    const running = [...this.byOwner.values(), ...(this.spare ? [this.spare] : [])];
    this.byOwner.clear();
    this.spare = undefined;
    await Promise.all(running.map((worker) => worker.terminate()));
  }

  /** The owner's interpreter, or a new one for them once there is room (an idle one of another owner is ended). */
  private async interpreterFor(owner: string, signal: AbortSignal | undefined): Promise<PythonWorker> {
    for (;;) {
      const existing = this.byOwner.get(owner);
      if (existing && !existing.dead) {
        this.byOwner.delete(owner);
        this.byOwner.set(owner, existing);
        return existing;
      }
      if (existing) this.byOwner.delete(owner);
      if (this.byOwner.size >= this.options.maxInterpreters) this.evictIdle();
      if (this.byOwner.size < this.options.maxInterpreters) {
        const worker = await this.takeSpare(true);
        // Another call of this owner may have claimed an interpreter while this one waited for the spare.
        const claimed = this.byOwner.get(owner);
        if (claimed && !claimed.dead) {
          if (this.spare) void worker.terminate();
          else this.spare = worker;
          continue;
        }
        this.byOwner.set(owner, worker);
        return worker;
      }
      await new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(new Error('cancelled'));
        signal?.addEventListener('abort', () => reject(new Error('cancelled')), { once: true });
        this.turns.push(resolve);
      });
    }
  }

  /** Ends the least recently used interpreter with nothing queued, if there is one. */
  private evictIdle(): void {
    for (const [owner, worker] of this.byOwner) {
      if (worker.queued === 0) {
        this.retire(owner, worker);
        return;
      }
    }
  }

  /** The restored spare (a new one is restored in the background when `refill`), or a new interpreter. */
  private async takeSpare(refill: false): Promise<PythonWorker | undefined>;
  private async takeSpare(refill: true): Promise<PythonWorker>;
  private async takeSpare(refill: boolean): Promise<PythonWorker | undefined> {
    const image = await (this.image ??= this.buildImage());
    // Shut down while the image was being built: a warm-up restores nothing (a call still gets its interpreter).
    if (this.closed && !refill) return undefined;
    const worker = this.spare && !this.spare.dead ? this.spare : this.restore(image);
    this.spare = refill && !this.closed ? this.restore(image) : refill ? undefined : worker;
    return worker;
  }

  private restore(image: Uint8Array): PythonWorker {
    return new PythonWorker(WORKER_SCRIPT, image, {
      indexURL: this.indexURL,
      memoryLimitMb: this.options.memoryLimitMb,
      graceMs: this.options.graceMs,
    });
  }

  private buildImage(): Promise<Uint8Array> {
    const building = (this.building = new AbortController());
    const image = buildInterpreterImage(
      WORKER_SCRIPT,
      { indexURL: this.indexURL, memoryLimitMb: this.options.memoryLimitMb },
      building.signal,
    );
    // A failed (or shut down) build is not kept: the next call tries again.
    image.then(
      () => {
        if (this.building === building) this.building = undefined;
      },
      () => {
        this.image = undefined;
      },
    );
    return image;
  }

  private retire(owner: string, worker: PythonWorker): void {
    if (this.byOwner.get(owner) === worker) this.byOwner.delete(owner);
    void worker.terminate();
  }
}

let shared: PythonSandbox | undefined;

/** The process-wide sandbox (created on first use; the first call pays the interpreter's load). */
export function sharedPythonSandbox(): PythonSandbox {
  return (shared ??= new PythonSandbox());
}

/** Runs one call on the process-wide sandbox. */
export function runPython(request: PythonRequest, options: RunOptions = {}): Promise<SandboxResult> {
  return sharedPythonSandbox().run(request, options);
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
