// The host half of a custom node's bridge, one per call: takes what the guest's `send(id, op, argsJson)` hands over
// (anything: the guest is hostile), checks it against BRIDGE_LIMITS, calls the host's CustomNodeBridge, and answers
// through `deliver` as JSON text. After the call ends (or the isolate is gone) it starts nothing and delivers nothing:
// an operation still pending on the host is abandoned and its answer ignored.
import type { BridgeOp, CustomNodeBridge } from '../custom/protocol.js';
import { BRIDGE_OPS } from '../custom/protocol.js';
import { SANDBOX_ERRORS } from '../sdk/error-codes.js';
import { NodeError } from '../sdk/errors.js';
import { BRIDGE_LIMITS } from './custom-javascript-context.js';

/** Settles the guest's pending call `id`; rejections of a disposed isolate are the caller's to ignore. */
export type Deliver = (id: number, ok: boolean, answerJson: string) => Promise<unknown>;

const OPS: ReadonlySet<string> = new Set(BRIDGE_OPS);
const EMIT_OPS: ReadonlySet<string> = new Set<BridgeOp>(['log', 'progress']);

export class BridgeRelay {
  private open = true;
  private emits = 0;
  private calls = 0;
  private inFlight = 0;

  constructor(
    private readonly bridge: CustomNodeBridge,
    private readonly deliver: Deliver,
  ) {}

  /** The guest's `send`: id 0 is a fire-and-forget emit (log, progress), any other id awaits an answer. */
  send(id: unknown, op: unknown, argsJson: unknown): void {
    if (!this.open || typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0 || typeof op !== 'string') return;
    if (typeof argsJson !== 'string' || !OPS.has(op)) return this.refuse(id, 'not a bridge operation');
    const bridgeOp = op as BridgeOp;
    if (id === 0) return this.emit(bridgeOp, argsJson);
    if (EMIT_OPS.has(op)) return this.refuse(id, `${op} answers nothing`);
    if (++this.calls > BRIDGE_LIMITS.maxCalls) return this.refuse(id, `more than ${BRIDGE_LIMITS.maxCalls} bridge calls`);
    if (this.inFlight >= BRIDGE_LIMITS.maxInFlight) return this.refuse(id, `more than ${BRIDGE_LIMITS.maxInFlight} bridge calls at once`);
    const args = parseArgs(argsJson);
    if (args === undefined) return this.refuse(id, `${op}: the request is not JSON or over ${BRIDGE_LIMITS.maxArgsChars} characters`);
    this.inFlight++;
    void this.perform(bridgeOp, args).then(([ok, answer]) => {
      this.inFlight--;
      this.answer(id, ok, answer);
    });
  }

  /** No more operations or answers: the call is over. */
  close(): void {
    this.open = false;
  }

  private emit(op: BridgeOp, argsJson: string): void {
    if (!EMIT_OPS.has(op) || this.emits >= BRIDGE_LIMITS.maxEmits) return;
    const args = parseArgs(argsJson);
    if (args === undefined) return;
    this.emits++;
    // Started now, in the guest's order; nobody awaits it, so a failure is the bridge's to log.
    void this.perform(op, args);
  }

  private async perform(op: BridgeOp, args: unknown): Promise<[boolean, string]> {
    try {
      const answer = JSON.stringify((await this.bridge(op, args)) ?? null);
      if (answer.length > BRIDGE_LIMITS.maxAnswerChars) {
        return [
          false,
          errorJson(new NodeError('CODE_INVALID_REQUEST', `${op}: the answer is over ${BRIDGE_LIMITS.maxAnswerChars} characters`)),
        ];
      }
      return [true, answer];
    } catch (err) {
      return [false, errorJson(err)];
    }
  }

  private refuse(id: number, message: string): void {
    if (id > 0) this.answer(id, false, errorJson(new NodeError('CODE_INVALID_REQUEST', message)));
  }

  private answer(id: number, ok: boolean, answerJson: string): void {
    if (this.open) this.deliver(id, ok, answerJson).catch(() => undefined);
  }
}

function parseArgs(argsJson: string): unknown {
  if (argsJson.length > BRIDGE_LIMITS.maxArgsChars) return undefined;
  try {
    return JSON.parse(argsJson) as unknown;
  } catch {
    return undefined;
  }
}

/** What the guest learns of a failure: a NodeError's code, message, retryable and details; of anything else, nothing. */
function errorJson(err: unknown): string {
  if (!(err instanceof NodeError)) {
    return JSON.stringify({ code: 'CODE_SANDBOX_FAILED', message: SANDBOX_ERRORS.CODE_SANDBOX_FAILED.message, retryable: false });
  }
  const base = { code: err.code, message: err.message, retryable: err.retryable };
  try {
    return JSON.stringify(err.details === undefined ? base : { ...base, details: err.details });
  } catch {
    return JSON.stringify(base);
  }
}
