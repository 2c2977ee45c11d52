// Warm isolates for the JavaScript sandbox, leased to one call at a time. Exclusive leases are what make stopping
// a call safe: disposing an isolate (timeout, cancel, memory) can never take another caller's work with it.
// Tenancy: a warm isolate serves one owner for its whole life. Each call gets a fresh context, but contexts of one
// isolate share its heap and compiled code, so another owner never gets it (as with Python's interpreters); a call
// without an owner gets an isolate of its own, disposed afterwards.
import ivm from 'isolated-vm';
import { GUEST_BOOTSTRAP } from './javascript-guest.js';

export interface IsolateLease {
  readonly isolate: ivm.Isolate;
  readonly memoryLimitMb: number;
  /** The guest bootstrap compiled once for this isolate (compiled scripts belong to one isolate). */
  readonly bootstrap: ivm.Script;
  /** Whose calls it runs; undefined: one call's, never reused. */
  readonly owner: string | undefined;
  calls: number;
}

export class IsolatePool {
  private readonly idle: IsolateLease[] = [];
  private busy = 0;
  private readonly waiting: Array<() => void> = [];

  /** `bootstrapSource`: the guest script every context of these isolates starts with (custom nodes bring their own). */
  constructor(
    private readonly maxIsolates: number,
    private readonly recycleAfterCalls: number,
    private readonly bootstrapSource: string = GUEST_BOOTSTRAP,
  ) {}

  /** A warm isolate of this owner with this heap cap if one is idle, else a new one; undefined if cancelled while waiting. */
  async acquire(memoryLimitMb: number, owner: string | undefined, signal?: AbortSignal): Promise<IsolateLease | undefined> {
    while (this.busy >= this.maxIsolates) {
      const turn = await this.waitTurn(signal);
      if (!turn) return undefined;
    }
    this.busy++;
    const at =
      owner === undefined
        ? -1
        : this.idle.findIndex((l) => l.owner === owner && l.memoryLimitMb === memoryLimitMb && !l.isolate.isDisposed);
    if (at >= 0) {
      const [lease] = this.idle.splice(at, 1);
      if (lease) return lease;
    }
    // Keep at most maxIsolates alive: an idle isolate of another owner or cap makes room for this one.
    while (this.idle.length + this.busy > this.maxIsolates) this.discard(this.idle.shift());
    try {
      const isolate = new ivm.Isolate({
        memoryLimit: memoryLimitMb,
        // Without this isolated-vm aborts the whole process on an unrecoverable V8 error; losing one isolate is enough.
        onCatastrophicError: (message) => process.emitWarning(`isolated-vm catastrophic error: ${message}`),
      });
      const bootstrap = isolate.compileScriptSync(this.bootstrapSource, { filename: 'loom-guest.js' });
      return { isolate, memoryLimitMb, bootstrap, owner, calls: 0 };
    } catch (err) {
      this.busy--;
      this.wakeOne();
      throw err;
    }
  }

  release(lease: IsolateLease): void {
    this.busy--;
    lease.calls++;
    if (lease.owner !== undefined && !lease.isolate.isDisposed && lease.calls < this.recycleAfterCalls) this.idle.push(lease);
    else this.discard(lease);
    this.wakeOne();
  }

  dispose(): void {
    for (const lease of this.idle.splice(0)) this.discard(lease);
  }

  private discard(lease: IsolateLease | undefined): void {
    if (lease && !lease.isolate.isDisposed) lease.isolate.dispose();
  }

  private wakeOne(): void {
    this.waiting.shift()?.();
  }

  private waitTurn(signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(false);
      const onAbort = () => {
        const at = this.waiting.indexOf(wake);
        if (at >= 0) this.waiting.splice(at, 1);
        resolve(false);
      };
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(wake);
    });
  }
}
