// One worker thread of the Python sandbox, seen from the host: starting it, queueing calls on it, stopping a call
// that runs too long (interrupt first, terminate after the grace period) and noticing when the thread dies.
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { LogLevel } from './result.js';

export interface PythonCall {
  code: string;
  inputJson: string;
  maxOutputChars: number;
}

export type CallOutcome =
  | { kind: 'answered'; envelope: string; logs: WorkerLog[] }
  | { kind: 'stopped'; why: 'CODE_TIMEOUT' | 'CODE_CANCELLED'; logs: WorkerLog[] }
  | { kind: 'died'; outOfMemory: boolean; message: string; logs: WorkerLog[] };

interface WorkerLog { level: LogLevel; message: string }

const replySchema = z.object({
  id: z.number(),
  envelope: z.string(),
  logs: z.array(z.object({ level: z.enum(['log', 'error']), message: z.string() })),
});

/** SIGINT, which Pyodide turns into KeyboardInterrupt at the next bytecode boundary. */
const SIGINT = 2;

export class PythonWorker {
  readonly ready: Promise<void>;
  dead = false;
  calls = 0;
  queued = 0;
  private readonly thread: Worker;
  private readonly interrupt = new Int32Array(new SharedArrayBuffer(4));
  private tail: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private current: { id: number; settle: (outcome: CallOutcome) => void } | undefined;
  private deathReason = { outOfMemory: false, message: 'the interpreter stopped' };

  constructor(script: URL, private readonly settings: { indexURL: string; memoryLimitMb: number; graceMs: number }) {
    this.thread = new Worker(script, {
      workerData: { indexURL: settings.indexURL, interruptBuffer: this.interrupt.buffer, memoryLimitMb: settings.memoryLimitMb },
      // The thread's process.env starts empty: nothing of the host's configuration (keys, database URLs) inside.
      env: {},
      stdout: false,
      stderr: false,
    });
    // An idle warm interpreter must not keep the process alive: the thread is referenced only while it loads
    // (someone is usually awaiting it) and while it runs a call.
    this.ready = new Promise<void>((resolve, reject) => {
      this.thread.once('message', () => {
        if (!this.current) this.thread.unref();
        resolve();
      });
      this.thread.once('exit', () => reject(new Error(`the Python worker exited while starting: ${this.deathReason.message}`)));
    });
    // Nobody may be awaiting `ready` yet; a failed start is reported by the call that awaits it.
    this.ready.catch(() => undefined);
    this.thread.on('message', (message: unknown) => this.onReply(message));
    this.thread.on('error', (err: Error & { code?: string }) => {
      this.deathReason = { outOfMemory: err.code === 'ERR_WORKER_OUT_OF_MEMORY', message: err.message };
    });
    this.thread.on('exit', () => {
      this.dead = true;
      this.current?.settle({ kind: 'died', ...this.deathReason, logs: [] });
    });
  }

  /** Queues a call behind the ones already on this worker. */
  call(call: PythonCall, timeoutMs: number, signal?: AbortSignal): Promise<CallOutcome> {
    this.queued++;
    const outcome = this.tail.then(() => this.execute(call, timeoutMs, signal));
    this.tail = outcome.catch(() => undefined);
    return outcome.finally(() => this.queued--);
  }

  async terminate(): Promise<void> {
    this.dead = true;
    await this.thread.terminate();
  }

  private async execute(call: PythonCall, timeoutMs: number, signal?: AbortSignal): Promise<CallOutcome> {
    if (signal?.aborted) return { kind: 'stopped', why: 'CODE_CANCELLED', logs: [] };
    try {
      await this.ready;
    } catch (err) {
      return { kind: 'died', outOfMemory: false, message: err instanceof Error ? err.message : String(err), logs: [] };
    }
    if (this.dead) return { kind: 'died', ...this.deathReason, logs: [] };
    this.calls++;
    this.thread.ref();
    const id = this.nextId++;
    let stoppedFor: 'CODE_TIMEOUT' | 'CODE_CANCELLED' | undefined;
    let killer: NodeJS.Timeout | undefined;
    // Ask Python to stop first (a clean KeyboardInterrupt keeps the warm interpreter); if it does not stop in
    // time (the user caught the interrupt, or sits in C code that never checks), end the thread.
    const stop = (why: 'CODE_TIMEOUT' | 'CODE_CANCELLED') => {
      stoppedFor ??= why;
      Atomics.store(this.interrupt, 0, SIGINT);
      killer ??= setTimeout(() => void this.terminate(), this.settings.graceMs);
    };
    const timer = setTimeout(() => stop('CODE_TIMEOUT'), timeoutMs);
    const onAbort = () => stop('CODE_CANCELLED');
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const outcome = await new Promise<CallOutcome>((settle) => {
        this.current = { id, settle };
        this.thread.postMessage({ id, ...call });
      });
      return stoppedFor ? { kind: 'stopped', why: stoppedFor, logs: outcome.logs } : outcome;
    } finally {
      this.current = undefined;
      clearTimeout(timer);
      clearTimeout(killer);
      signal?.removeEventListener('abort', onAbort);
      if (!this.dead) this.thread.unref();
    }
  }

  private onReply(message: unknown): void {
    const reply = replySchema.safeParse(message);
    if (!reply.success || !this.current || reply.data.id !== this.current.id) return;
    this.current.settle({ kind: 'answered', envelope: reply.data.envelope, logs: reply.data.logs });
  }
}
