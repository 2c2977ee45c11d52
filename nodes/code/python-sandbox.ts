// Runs user Python in Pyodide (CPython in WebAssembly) on a worker thread: standard library only, no network, no
// host file system, no way to the JS side. One warm interpreter is kept (loading one costs ~3 s); a call that
// runs too long is interrupted, and a worker that does not come back, or dies, is replaced.
import { Worker } from 'node:worker_threads';
import { CODE_ERRORS, MAX_OUTPUT_BYTES, type CodeErrorCode, type CodeLog, type CodeResult } from './errors.js';

export interface PythonRequest {
  code: string;
  input: unknown;
  timeoutMs?: number;
}

type Reply = { id: number; ok: true; text: string; logs: CodeLog[] } | { id: number; ok: false; error: { code: CodeErrorCode; message: string }; logs: CodeLog[]; retire?: boolean };

const GRACE_MS = 1_000;

class PythonWorker {
  readonly interrupt = new Int32Array(new SharedArrayBuffer(4));
  readonly worker: Worker;
  readonly ready: Promise<void>;
  private readonly waiting = new Map<number, (reply: Reply | { dead: true }) => void>();

  constructor() {
    this.worker = new Worker(new URL('./python-worker.mjs', import.meta.url), { workerData: { interruptBuffer: this.interrupt.buffer } });
    // An idle warm interpreter must not keep the process alive.
    this.worker.unref();
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('message', () => resolve());
      this.worker.once('error', reject);
    });
    this.worker.on('message', (m: Reply) => this.waiting.get(m.id)?.(m));
    this.worker.on('exit', () => {
      for (const settle of this.waiting.values()) settle({ dead: true });
      this.waiting.clear();
    });
  }

  call(id: number, code: string, inputJson: string): Promise<Reply | { dead: true }> {
    return new Promise((resolve) => {
      this.waiting.set(id, (r) => {
        this.waiting.delete(id);
        resolve(r);
      });
      this.worker.postMessage({ id, code, inputJson });
    });
  }
}

let current: PythonWorker | undefined;
let nextId = 1;
let queue: Promise<unknown> = Promise.resolve();

function workerInstance(): PythonWorker {
  current ??= new PythonWorker();
  return current;
}

function replace(worker: PythonWorker): void {
  if (current === worker) current = undefined;
  void worker.worker.terminate();
}

function failure(code: CodeErrorCode, message: string, logs: CodeLog[], started: number): CodeResult {
  return { ok: false, error: { code, message: message ? `${CODE_ERRORS[code]}: ${message}` : CODE_ERRORS[code] }, logs, durationMs: Math.round(performance.now() - started) };
}

async function execute(request: PythonRequest, signal: AbortSignal | undefined): Promise<CodeResult> {
  const started = performance.now();
  const timeoutMs = request.timeoutMs ?? 10_000;
  const worker = workerInstance();
  try {
    await worker.ready;
  } catch (err) {
    replace(worker);
    return failure('CODE_SANDBOX_FAILED', err instanceof Error ? err.message : String(err), [], started);
  }
  const id = nextId++;
  let stopped: 'timeout' | 'cancelled' | undefined;
  let killer: NodeJS.Timeout | undefined;
  // First ask Python to stop (KeyboardInterrupt); if it does not within the grace period, kill the thread.
  const stop = (why: 'timeout' | 'cancelled') => {
    stopped ??= why;
    Atomics.store(worker.interrupt, 0, 2);
    killer ??= setTimeout(() => replace(worker), GRACE_MS);
  };
  const timer = setTimeout(() => stop('timeout'), timeoutMs);
  const onAbort = () => stop('cancelled');
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const reply = await worker.call(id, request.code, JSON.stringify(request.input ?? null));
    if ('dead' in reply) {
      replace(worker);
      if (stopped) return failure(stopped === 'timeout' ? 'CODE_TIMEOUT' : 'CODE_CANCELLED', '', [], started);
      // Not stopped by us: WebAssembly aborts like this when memory runs out.
      return failure('CODE_MEMORY_LIMIT', 'the interpreter died', [], started);
    }
    if (!reply.ok && reply.retire) replace(worker);
    if (stopped === 'cancelled') return failure('CODE_CANCELLED', '', reply.logs, started);
    if (!reply.ok) return failure(reply.error.code, reply.error.message, reply.logs, started);
    if (reply.text.length > MAX_OUTPUT_BYTES) return failure('CODE_OUTPUT_TOO_LARGE', `${reply.text.length} bytes (limit ${MAX_OUTPUT_BYTES})`, reply.logs, started);
    return { ok: true, output: JSON.parse(reply.text) as unknown, logs: reply.logs, durationMs: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
    clearTimeout(killer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Calls run one at a time on the warm interpreter. */
export function runPython(request: PythonRequest, options: { signal?: AbortSignal } = {}): Promise<CodeResult> {
  const result = queue.then(() => execute(request, options.signal));
  queue = result.catch(() => undefined);
  return result;
}

/** Starts the interpreter ahead of the first call (a worker does this at start so no run pays the load). */
export async function warmPython(): Promise<void> {
  await workerInstance().ready;
}

export async function shutdownPythonSandbox(): Promise<void> {
  const worker = current;
  current = undefined;
  await worker?.worker.terminate();
}
