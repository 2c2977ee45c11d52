// What a Python interpreter answers for one job (the runner's envelope, JSON built in Python), read on the host:
// validated with zod, then turned into a sandbox result and a verdict on whether the interpreter may serve again.
// Shared by `code.python` (python.ts) and custom Python nodes (custom-python.ts), whose runner adds kinds of its own.
import { z } from 'zod';
import { SANDBOX_LIMITS, sandboxError, type SandboxError } from './result.js';

/** The kinds every runner answers. */
export const BASE_ENVELOPES = [
  z.object({ kind: z.literal('ok'), output: z.unknown() }),
  z.object({ kind: z.literal('syntax'), message: z.string() }),
  z.object({ kind: z.literal('threw'), type: z.string(), message: z.string(), traceback: z.string() }),
  z.object({ kind: z.literal('not-json'), message: z.string() }),
  z.object({ kind: z.literal('too-large'), chars: z.number() }),
  z.object({ kind: z.literal('interrupted') }),
  z.object({ kind: z.literal('memory') }),
  z.object({ kind: z.literal('broken'), message: z.string(), fatal: z.boolean() }),
] as const;

const baseEnvelopeSchema = z.discriminatedUnion('kind', [...BASE_ENVELOPES]);
export type BaseEnvelope = z.infer<typeof baseEnvelopeSchema>;

export interface Failed {
  ok: false;
  error: SandboxError;
}

export interface Settled<R> {
  result: R | Failed;
  /** The interpreter must not serve again (its memory is exhausted, or it broke). */
  retire: boolean;
}

type Output = { ok: true; output: unknown };

/** Parses an envelope against `schema`; an unreadable one means the interpreter is not to be trusted again. */
export function readEnvelope<S extends z.ZodType>(raw: string, schema: S): { envelope: z.infer<S> } | Settled<never> {
  try {
    return { envelope: schema.parse(JSON.parse(raw)) };
  } catch {
    return { result: { ok: false, error: sandboxError('CODE_SANDBOX_FAILED', 'unreadable answer from the interpreter') }, retire: true };
  }
}

export function settleEnvelope(envelope: BaseEnvelope, maxOutputChars: number = SANDBOX_LIMITS.maxOutputBytes): Settled<Output> {
  const failed = (error: SandboxError, retire = false): Settled<never> => ({ result: { ok: false, error }, retire });
  switch (envelope.kind) {
    case 'ok':
      return { result: { ok: true, output: envelope.output }, retire: false };
    case 'syntax':
      return failed(sandboxError('CODE_SYNTAX_ERROR', envelope.message));
    case 'threw':
      return failed(sandboxError('CODE_RUNTIME_ERROR', `${envelope.type}: ${envelope.message}`, envelope.traceback || undefined));
    case 'not-json':
      return failed(sandboxError('CODE_OUTPUT_NOT_JSON', envelope.message));
    case 'too-large':
      return failed(sandboxError('CODE_OUTPUT_TOO_LARGE', `${envelope.chars} characters (limit ${maxOutputChars})`));
    // An interrupt we did not send: the user raised KeyboardInterrupt themselves.
    case 'interrupted':
      return failed(sandboxError('CODE_RUNTIME_ERROR', 'KeyboardInterrupt'));
    // WebAssembly memory never shrinks, and a MemoryError can strike inside the runtime: start afresh.
    case 'memory':
      return failed(sandboxError('CODE_MEMORY_LIMIT'), true);
    case 'broken':
      return failed(sandboxError('CODE_SANDBOX_FAILED', envelope.message), envelope.fatal);
  }
}

/** The code.python runner's answer. */
export function settleCodeEnvelope(raw: string): Settled<Output> {
  const read = readEnvelope(raw, baseEnvelopeSchema);
  return 'envelope' in read ? settleEnvelope(read.envelope) : read;
}
