// One worker thread of the Python sandbox, seen from the host: building the interpreter image once, starting an
// interpreter from it, queueing calls on it, stopping a call that runs too long (interrupt first, terminate after
// the grace period), noticing when the thread dies, and answering a custom node's bridge requests while its call
// waits for them (the thread's side is python-bridge-client.mjs).
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { z } from 'zod';
import { BRIDGE_OPS, type BridgeOp } from '../custom/protocol.js';
import { SANDBOX_LIMITS, type LogLevel } from './result.js';

/** Bounds of a custom node's bridge that the thread enforces before anything reaches the host. */
export interface BridgeLimits {
  /** The operations there are (BRIDGE_OPS): any other is refused in the thread, without a round trip. */
  ops: readonly string[];
  /** Characters of one request's JSON arguments. */
  maxArgsChars: number;
  /** Requests that wait for an answer, per call. */
  maxCalls: number;
  /** `log` and `progress` requests per call; later ones are dropped (and counted), as are larger ones. */
  maxLogCalls: number;
  maxLogArgsChars: number;
}

/** What python-worker.mjs dispatches on `kind`: a code.python call, a custom node's extraction or its execution. */
export type PythonJob =
  | { kind: 'code'; code: string; inputJson: string; maxOutputChars: number }
  | { kind: 'extract'; source: string; maxOutputChars: number }
  | {
      kind: 'custom';
      source: string;
      inputJson: string;
      configJson: string;
      metaJson: string;
      maxOutputChars: number;
      limits: BridgeLimits;
    };

/** Answers one bridge request of the running call with the JSON text the guest reads (never rejects). */
export type BridgeHandler = (op: BridgeOp, argsJson: string) => Promise<string>;

/** What a call printed: the thread keeps the first lines only (SANDBOX_LIMITS) and counts the rest. */
export interface CallLogs {
  logs: WorkerLog[];
  droppedLogs: number;
}

export type CallOutcome = CallLogs &
  (
    | /** `retire`: the call changed the thread's JS intrinsics (python-realm.mjs): the interpreter must not serve again. */
      { kind: 'answered'; envelope: string; retire: boolean }
    | { kind: 'stopped'; why: 'CODE_TIMEOUT' | 'CODE_CANCELLED' }
    | { kind: 'died'; outOfMemory: boolean; message: string }
  );

const NO_LOGS: CallLogs = { logs: [], droppedLogs: 0 };

export interface WorkerLog {
  level: LogLevel;
  message: string;
}

const imageSchema = z.object({ snapshot: z.instanceof(Uint8Array) });

interface ThreadSettings {
  indexURL: string;
  memoryLimitMb: number;
}

function startThread(
  script: URL,
  settings: ThreadSettings,
  role: 'image' | 'interpreter',
  interrupt: Int32Array,
  interpreter?: { snapshot: Uint8Array; bridgePort: MessagePort; bridgeSignal: Int32Array },
): Worker {
  const thread = new Worker(script, {
    workerData: {
      role,
      indexURL: settings.indexURL,
      interruptBuffer: interrupt.buffer,
      memoryLimitMb: settings.memoryLimitMb,
      // A flood of print() stops in the thread, before it is copied to this one.
      logLimits: { maxEntries: SANDBOX_LIMITS.maxLogEntries, maxChars: SANDBOX_LIMITS.maxLogMessageChars },
      snapshot: interpreter?.snapshot,
      bridgePort: interpreter?.bridgePort,
      bridgeSignalBuffer: interpreter?.bridgeSignal.buffer,
    },
    transferList: interpreter ? [interpreter.bridgePort] : [],
    // The thread's process.env starts empty: nothing of the host's configuration (keys, database URLs) inside.
    env: {},
    // Its stdout and stderr are not the host's: whatever reaches them is dropped, so it cannot write log lines.
    stdout: true,
    stderr: true,
  });
  thread.stdout.resume();
  thread.stderr.resume();
  return thread;
}

/** Boots Pyodide once with the guards and the runner defined, and returns a memory snapshot of it. */
export async function buildInterpreterImage(script: URL, settings: ThreadSettings, signal?: AbortSignal): Promise<Uint8Array> {
  const thread = startThread(script, settings, 'image', new Int32Array(new SharedArrayBuffer(4)));
  // A shutdown while the image boots (seconds) must end the thread now, or it keeps the process alive.
  const onAbort = () => void thread.terminate();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await new Promise<Uint8Array>((resolve, reject) => {
      thread.once('message', (message: unknown) => {
        const image = imageSchema.safeParse(message);
        if (image.success) resolve(image.data.snapshot);
        else reject(new Error('the Python image worker answered something else'));
      });
      thread.once('error', reject);
      thread.once('exit', () => reject(new Error('the Python image worker exited before answering')));
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    void thread.terminate();
  }
}

const replySchema = z.object({
  id: z.number(),
  envelope: z.string(),
  logs: z.array(z.object({ level: z.enum(['log', 'error', 'warn']), message: z.string() })),
  droppedLogs: z.number().int().min(0),
  retire: z.boolean(),
});

/** A request of the guest, as the thread posts it: `seq` 0 expects no answer (log, progress). */
const bridgeRequestSchema = z.object({ callId: z.number(), seq: z.number().int().min(0), op: z.enum(BRIDGE_OPS), args: z.string() });
const malformedSchema = bridgeRequestSchema.pick({ callId: true, seq: true });

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
  private current: { id: number; settle: (outcome: CallOutcome) => void; bridge: BridgeHandler | undefined; stopped: boolean } | undefined;
  /** The host's end of the bridge channel, and the word the thread waits on for an answer (bumped on each). */
  private readonly bridgePort: MessagePort;
  private readonly bridgeSignal = new Int32Array(new SharedArrayBuffer(4));
  private deathReason = { outOfMemory: false, message: 'the interpreter stopped' };

  /** Starts an interpreter restored from `image` (buildInterpreterImage). */
  constructor(
    script: URL,
    image: Uint8Array,
    private readonly settings: ThreadSettings & { graceMs: number },
  ) {
    const channel = new MessageChannel();
    this.bridgePort = channel.port1;
    this.thread = startThread(script, settings, 'interpreter', this.interrupt, {
      snapshot: image,
      bridgePort: channel.port2,
      bridgeSignal: this.bridgeSignal,
    });
    this.bridgePort.on('message', (message: unknown) => this.onBridgeRequest(message));
    // Only a running call's thread keeps the process alive, never the channel.
    this.bridgePort.unref();
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
      this.current?.settle({ kind: 'died', ...this.deathReason, ...NO_LOGS });
    });
  }

  /** Queues a call behind the ones already on this worker. */
  call(job: PythonJob, timeoutMs: number, signal?: AbortSignal, bridge?: BridgeHandler): Promise<CallOutcome> {
    this.queued++;
    const outcome = this.tail.then(() => this.execute(job, timeoutMs, signal, bridge));
    this.tail = outcome.catch(() => undefined);
    return outcome.finally(() => this.queued--);
  }

  async terminate(): Promise<void> {
    this.dead = true;
    this.bridgePort.close();
    await this.thread.terminate();
  }

  private async execute(job: PythonJob, timeoutMs: number, signal?: AbortSignal, bridge?: BridgeHandler): Promise<CallOutcome> {
    if (signal?.aborted) return { kind: 'stopped', why: 'CODE_CANCELLED', ...NO_LOGS };
    try {
      await this.ready;
    } catch (err) {
      return { kind: 'died', outOfMemory: false, message: err instanceof Error ? err.message : String(err), ...NO_LOGS };
    }
    if (this.dead) return { kind: 'died', ...this.deathReason, ...NO_LOGS };
    this.calls++;
    this.thread.ref();
    const id = this.nextId++;
    let stoppedFor: 'CODE_TIMEOUT' | 'CODE_CANCELLED' | undefined;
    let killer: NodeJS.Timeout | undefined;
    // Ask Python to stop first (a clean KeyboardInterrupt keeps the warm interpreter); if it does not stop in
    // time (the user caught the interrupt, or sits in C code that never checks), end the thread.
    const stop = (why: 'CODE_TIMEOUT' | 'CODE_CANCELLED') => {
      stoppedFor ??= why;
      if (this.current?.id === id) this.current.stopped = true;
      Atomics.store(this.interrupt, 0, SIGINT);
      // A call blocked on a bridge answer is not running Python: wake it, it sees the interrupt and gives up.
      this.wakeBridgeWait();
      killer ??= setTimeout(() => void this.terminate(), this.settings.graceMs);
    };
    const timer = setTimeout(() => stop('CODE_TIMEOUT'), timeoutMs);
    const onAbort = () => stop('CODE_CANCELLED');
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const outcome = await new Promise<CallOutcome>((settle) => {
        this.current = { id, settle, bridge, stopped: false };
        this.thread.postMessage({ id, ...job });
      });
      return stoppedFor ? { kind: 'stopped', why: stoppedFor, logs: outcome.logs, droppedLogs: outcome.droppedLogs } : outcome;
    } finally {
      this.current = undefined;
      clearTimeout(timer);
      clearTimeout(killer);
      signal?.removeEventListener('abort', onAbort);
      if (!this.dead) this.thread.unref();
    }
  }

  /**
   * A request of the running call: handed to its bridge, and answered only while that call still runs (the answer
   * of a call that was stopped meanwhile is dropped, as its waiting was). Requests of any other call are ignored;
   * a stopped call that asks again (it caught the interrupt) is told to stop, and nothing reaches the bridge.
   */
  private onBridgeRequest(message: unknown): void {
    const current = this.current;
    const request = bridgeRequestSchema.safeParse(message);
    if (!request.success) {
      // The thread checks what it posts, so this is not expected; a request that can be answered is, or it would wait.
      const malformed = malformedSchema.safeParse(message);
      if (malformed.success && malformed.data.seq > 0 && malformed.data.callId === current?.id)
        this.answer(
          current,
          malformed.data.callId,
          malformed.data.seq,
          JSON.stringify({ error: { code: 'CODE_INVALID_REQUEST', message: 'malformed request' } }),
        );
      return;
    }
    if (!current?.bridge || request.data.callId !== current.id) return;
    const { callId, seq, op, args } = request.data;
    if (current.stopped) return this.answer(current, callId, seq, JSON.stringify({ interrupted: true }), true);
    void current.bridge(op, args).then((answer) => this.answer(current, callId, seq, answer));
  }

  private answer(call: NonNullable<PythonWorker['current']>, callId: number, seq: number, answer: string, evenStopped = false): void {
    if (seq === 0 || this.current !== call || this.dead || (call.stopped && !evenStopped)) return;
    this.bridgePort.postMessage({ callId, seq, answer });
    this.wakeBridgeWait();
  }

  private wakeBridgeWait(): void {
    Atomics.add(this.bridgeSignal, 0, 1);
    Atomics.notify(this.bridgeSignal, 0);
  }

  private onReply(message: unknown): void {
    const reply = replySchema.safeParse(message);
    if (!reply.success || !this.current || reply.data.id !== this.current.id) return;
    const { envelope, logs, droppedLogs, retire } = reply.data;
    this.current.settle({ kind: 'answered', envelope, logs, droppedLogs, retire });
  }
}
