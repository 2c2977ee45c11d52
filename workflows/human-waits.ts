// Durable waits for people. The workflow opens a request (an activity writes it), then waits on a condition that
// only the `answer` update can satisfy; the update's validator refuses answers to closed or unknown requests and
// answers that are not among the options, so a second answer is rejected before it can have any effect.
// A timer bounds the wait; its expiry runs the request's timeout action. Waiting costs nothing: no thread, no budget.
import { condition, defineUpdate, proxyActivities, setHandler, uuid4 } from '@temporalio/workflow';
import type { NodeErrorInfo } from '../activities/contracts.js';
import type { LoomActivities } from '../activities/index.js';
import { checkFormAnswer, type FormSchema } from './form-answer.js';

export interface AnswerInput {
  requestId: string;
  /** An option's value, or free text when the request allows it. */
  answer: string;
  by: string;
  via: 'api' | 'websocket' | 'link';
}

export interface HumanAnswer {
  answer: string;
  by: string;
  via: string;
  expired: boolean;
}

export const answerUpdate = defineUpdate<{ requestId: string; accepted: true }, [AnswerInput]>('answer');

export interface AskSpec {
  runId: string;
  nodeId: string;
  kind: 'approval' | 'question' | 'recovery';
  question: string;
  options: { value: string; label: string }[];
  allowFreeText: boolean;
  /** A JSON Schema the answer (a JSON document) must match. */
  form?: FormSchema | undefined;
  details?: unknown;
  timeoutMs: number;
  /** Applied on expiry: the option value it stands for. */
  timeoutAnswer: string;
  timeoutAction: string;
  /** Who may answer (user ids, `group:<name>`), how many approvals it takes, whether the starter may approve. */
  audience?: { assignees: string[]; requiredApprovals: number; forbidSelfApproval: boolean } | undefined;
}

const requestActivities = proxyActivities<LoomActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' },
});

/**
 * A request a node is waiting on, as it crosses into the run's next execution (continue-as-new): the same id,
 * question and deadline, so the person answers the request they were sent and no second one is opened.
 */
export interface CarriedRequest {
  id: string;
  spec: AskSpec;
  openedAt: number;
}

export class HumanWaits {
  private readonly open = new Map<string, { spec: AskSpec; openedAt: number; answer?: HumanAnswer }>();
  /** Requests whose node waits on the answer now (opened, not answered): a node boundary may leave them open. */
  private readonly awaiting = new Set<string>();
  /** Carried over from the previous execution, until their node asks again and takes them back. */
  private readonly carried = new Map<string, CarriedRequest>();

  constructor(carried: CarriedRequest[] = []) {
    // Open at once, so an answer that arrives before the node asks again is accepted, not refused.
    for (const r of carried) {
      this.open.set(r.id, { spec: r.spec, openedAt: r.openedAt });
      this.carried.set(r.id, r);
    }
    setHandler(
      answerUpdate,
      (input) => {
        const request = this.open.get(input.requestId);
        if (request) request.answer = { answer: input.answer, by: input.by, via: input.via, expired: false };
        return { requestId: input.requestId, accepted: true as const };
      },
      {
        validator: (input) => {
          const request = this.open.get(input.requestId);
          if (!request) throw new Error('This request is not open');
          if (request.answer) throw new Error('This request has already been answered');
          const { options, allowFreeText, form } = request.spec;
          if (form) {
            const checked = checkFormAnswer(form, input.answer);
            if (!checked.ok) throw new Error(checked.problems.join('; '));
            return;
          }
          if (!options.some((o) => o.value === input.answer) && !(allowFreeText && input.answer.trim().length > 0)) {
            throw new Error(`Answer with one of: ${options.map((o) => o.value).join(', ')}`);
          }
        },
      },
    );
  }

  /** Whether the node waits on a person now, with nothing else in flight (no activity, no answer to apply). */
  parked(nodeId: string): boolean {
    for (const id of this.awaiting) {
      const request = this.open.get(id);
      if (request?.spec.nodeId === nodeId && !request.answer) return true;
    }
    return false;
  }

  /** The open requests of parked nodes, as the next execution takes them over. */
  carry(): CarriedRequest[] {
    return [...this.awaiting].flatMap((id) => {
      const request = this.open.get(id);
      return request ? [{ id, spec: request.spec, openedAt: request.openedAt }] : [];
    });
  }

  /** The failure a recovery question carried over for this node asks about: the node is not run again first. */
  carriedFailure(nodeId: string): NodeErrorInfo | undefined {
    for (const r of this.carried.values())
      if (r.spec.nodeId === nodeId && r.spec.kind === 'recovery') return (r.spec.details as { error: NodeErrorInfo }).error;
    return undefined;
  }

  /** The request carried over for this node's step (a recovery, or its approval or question), taken back once. */
  adopt(nodeId: string, recovery: boolean): CarriedRequest | undefined {
    for (const r of this.carried.values()) {
      if (r.spec.nodeId !== nodeId || (r.spec.kind === 'recovery') !== recovery) continue;
      this.carried.delete(r.id);
      return r;
    }
    return undefined;
  }

  async ask(spec: AskSpec): Promise<HumanAnswer & { requestId: string }> {
    const id = `req_${uuid4().replaceAll('-', '')}`;
    const openedAt = Date.now();
    this.open.set(id, { spec, openedAt });
    await requestActivities.openRequest({
      id,
      runId: spec.runId,
      nodeId: spec.nodeId,
      kind: spec.kind,
      question: spec.question,
      options: spec.options,
      allowFreeText: spec.allowFreeText,
      details: spec.form ? { ...(spec.details as object | undefined), form: spec.form } : spec.details,
      timeoutAction: spec.timeoutAction,
      expiresAt: openedAt + spec.timeoutMs,
      ...(spec.audience ? { audience: spec.audience } : {}),
    });
    return this.await({ id, spec, openedAt }, spec.timeoutMs);
  }

  /** Waits for the answer at most `left` ms (a carried request: until its deadline), then closes the request. */
  async await(
    request: CarriedRequest,
    left = request.openedAt + request.spec.timeoutMs - Date.now(),
  ): Promise<HumanAnswer & { requestId: string }> {
    const { id, spec, openedAt } = request;
    const isAnswered = () => this.open.get(id)?.answer !== undefined;
    this.awaiting.add(id);
    const answered = left > 0 ? await condition(isAnswered, left) : isAnswered();
    this.awaiting.delete(id);
    const entry = this.open.get(id);
    const result: HumanAnswer =
      answered && entry?.answer ? entry.answer : { answer: spec.timeoutAnswer, by: 'timeout', via: 'timeout', expired: true };
    if (entry) entry.answer = result;
    await requestActivities.closeHumanRequest({
      id,
      runId: spec.runId,
      nodeId: spec.nodeId,
      status: result.expired ? 'expired' : 'answered',
      question: spec.question,
      answer: result.answer,
      by: result.by,
      via: result.via,
      at: Date.now(),
      openedAt,
      timeoutAction: spec.timeoutAction,
    });
    this.open.delete(id);
    return { ...result, requestId: id };
  }
}
