// One call on a leased isolate, as both JavaScript sandboxes make it (javascript.ts for code.javascript,
// custom-javascript.ts for custom nodes): the wall clock and the signal that stop it, the handles it holds into its
// fresh context, what a rejected call into the isolate means, and the guest's answer read back.
import type ivm from 'isolated-vm';
import type { z } from 'zod';
import { SANDBOX_LIMITS, elapsedSince, sandboxError, type SandboxError } from './result.js';

type StopReason = 'CODE_TIMEOUT' | 'CODE_CANCELLED';

export class IsolateCall {
  private readonly startedAt = performance.now();
  private stoppedFor: StopReason | undefined;
  private readonly wall: NodeJS.Timeout;
  private readonly onAbort = () => this.stop('CODE_CANCELLED');
  private context: ivm.Context | undefined;
  // Handles into the context (the guest's runner, the user's function or module, its script): held, they keep the
  // dead context and its data alive in the isolate's heap until the host's GC collects them, and a warm isolate
  // fills up in a few hundred calls (CODE_MEMORY_LIMIT for a call that used none). Released with the context.
  private readonly handles: { release(): void }[] = [];

  // The wall clock covers what the CPU limit cannot see (a promise that never settles) and a host event loop too
  // busy to notice; disposing the leased isolate is the one way to stop it, and it costs no other call.
  constructor(
    private readonly isolate: ivm.Isolate,
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.wall = setTimeout(() => this.stop('CODE_TIMEOUT'), timeoutMs);
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** What is left of the time limit, for isolated-vm's own timeout on each step. */
  remainingMs(): number {
    return Math.max(1, Math.round(this.timeoutMs - (performance.now() - this.startedAt)));
  }

  /** The call's fresh context, released when the call ends. */
  async createContext(): Promise<ivm.Context> {
    this.context = await this.isolate.createContext();
    return this.context;
  }

  /** Keeps a handle into the context until the call ends. */
  hold<H extends { release(): void }>(handle: H): H {
    this.handles.push(handle);
    return handle;
  }

  /** Whether a rejected step was the isolate being stopped (or timing out) rather than the code's own error. */
  stopped(): boolean {
    return this.stoppedFor !== undefined || this.isolate.isDisposed || elapsedSince(this.startedAt) >= this.timeoutMs * 0.9;
  }

  // The guest never throws (its runner catches the code's errors), so a rejected call means the isolate was stopped:
  // by us (wall clock, cancel), by itself (heap over its cap disposes the isolate), or by isolated-vm's own timer.
  /** The error a rejected call into the isolate stands for. */
  failure(err: unknown): SandboxError {
    if (this.stoppedFor === 'CODE_CANCELLED') return sandboxError('CODE_CANCELLED');
    if (this.stoppedFor === 'CODE_TIMEOUT') return sandboxError('CODE_TIMEOUT', `${this.timeoutMs} ms`);
    if (this.isolate.isDisposed) return sandboxError('CODE_MEMORY_LIMIT', 'the isolate ran out of heap and was discarded');
    if (elapsedSince(this.startedAt) >= this.timeoutMs * 0.9) return sandboxError('CODE_TIMEOUT', `${this.timeoutMs} ms`);
    return sandboxError('CODE_SANDBOX_FAILED', messageOf(err));
  }

  /** Stops the clock and releases the context with its handles (a disposed isolate took them with it). */
  end(): void {
    clearTimeout(this.wall);
    this.signal?.removeEventListener('abort', this.onAbort);
    if (!this.isolate.isDisposed) {
      for (const handle of this.handles) handle.release();
      this.context?.release();
    }
  }

  private stop(why: StopReason): void {
    this.stoppedFor ??= why;
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }
}

/**
 * The guest's answer, validated against its envelope schema: everything inside the isolate is under the code's
 * control. `slackBytes`: how far past the output limit the whole envelope may go (its other fields).
 */
export function readEnvelope<S extends z.ZodType>(
  answer: unknown,
  schema: S,
  slackBytes: number,
): { ok: true; envelope: z.infer<S> } | { ok: false; error: SandboxError } {
  if (typeof answer !== 'string') return { ok: false, error: sandboxError('CODE_OUTPUT_NOT_JSON', 'the sandbox answer was not text') };
  if (Buffer.byteLength(answer) > SANDBOX_LIMITS.maxOutputBytes + slackBytes) {
    return { ok: false, error: sandboxError('CODE_OUTPUT_TOO_LARGE', `over ${SANDBOX_LIMITS.maxOutputBytes} bytes`) };
  }
  try {
    return { ok: true, envelope: schema.parse(JSON.parse(answer)) };
  } catch {
    return { ok: false, error: sandboxError('CODE_OUTPUT_NOT_JSON', 'the sandbox answer was tampered with') };
  }
}

/** Enough frames of the code's own file to find the line; a stack overflow would otherwise send thousands. */
export function firstFrames(stack: string): string | undefined {
  return stack ? stack.split('\n').slice(0, 10).join('\n') : undefined;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
