// The repair loop every AI capability shares: ask, let the caller judge the answer, and send what was wrong back as
// the next request, at most 1 + maxRepairs model calls. The caller's judgement is the compiler's: the loop never
// decides a draft is good, it only stops when the caller says so or when the rounds are spent.
import { findProblem } from '../../platform/json-guard.js';
import type { LanguageModel, ModelMessage } from './model.js';

export type Verdict<T> = { kind: 'done'; result: T } | { kind: 'repair'; feedback: string; result?: T };

export interface ConversationOutcome<T> {
  /** The last result the caller could build (done or not); undefined if no answer ever parsed. */
  result: T | undefined;
  done: boolean;
  rounds: number;
  usage: { promptTokens: number; completionTokens: number };
  /** What was wrong with the last answer, when the loop ended without one that passed. */
  lastFeedback?: string;
}

export async function converse<T>(
  model: LanguageModel,
  args: {
    system: string;
    request: string;
    schema: { name: string; jsonSchema: Record<string, unknown> };
    maxRepairs: number;
    timeoutMs: number;
    /**
     * Judges the answer's JSON (an answer that is not JSON, or is unsafe to walk, is sent back by the loop itself). May be
     * asynchronous: a custom node's source is judged by running it in a sandbox.
     */
    judge: (answer: unknown) => Verdict<T> | Promise<Verdict<T>>;
  },
): Promise<ConversationOutcome<T>> {
  const messages: ModelMessage[] = [{ role: 'user', content: args.request }];
  const usage = { promptTokens: 0, completionTokens: 0 };
  let result: T | undefined;
  let lastFeedback: string | undefined;
  for (let round = 1; round <= 1 + args.maxRepairs; round++) {
    const reply = await model.complete({ system: args.system, messages, schema: args.schema, timeoutMs: args.timeoutMs });
    usage.promptTokens += reply.usage.promptTokens;
    usage.completionTokens += reply.usage.completionTokens;
    const json = parseJsonAnswer(reply.content);
    const verdict: Verdict<T> = json.ok
      ? await args.judge(json.value)
      : { kind: 'repair', feedback: `Your answer was not valid JSON (${json.message}). Answer with the JSON object only.` };
    if (verdict.kind === 'done') return { result: verdict.result, done: true, rounds: round, usage };
    if (verdict.result !== undefined) result = verdict.result;
    lastFeedback = verdict.feedback;
    messages.push({ role: 'assistant', content: reply.content.slice(0, 100_000) }, { role: 'user', content: verdict.feedback });
  }
  return { result, done: false, rounds: 1 + args.maxRepairs, usage, ...(lastFeedback ? { lastFeedback } : {}) };
}

/**
 * The JSON in a model's answer (some models wrap it in a ```json fence even when asked for JSON alone), held to what
 * a request body is held to: nothing unstorable, nothing nested deep enough to overflow what recurses over it.
 */
export function parseJsonAnswer(content: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const trimmed = content.trim();
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/.exec(trimmed);
  let value: unknown;
  try {
    value = JSON.parse(fenced ? fenced[1]! : trimmed);
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
  const problem = findProblem(value, 'answer');
  if (problem)
    return {
      ok: false,
      message: `${problem.where} ${problem.kind === 'too_deep' ? 'is nested too deeply' : 'holds a NUL character or a broken surrogate'}`,
    };
  return { ok: true, value };
}
