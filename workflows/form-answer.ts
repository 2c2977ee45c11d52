// Form answers: a question may carry a JSON Schema; the answer is then a JSON document that must match it.
// Used by the workflow's update validator and by the gateway (for a clear 400 before the update is sent).
import { z } from 'zod';

export type FormSchema = Record<string, unknown>;

/** Returns the parsed answer, or a list of problems a person can act on. */
export function checkFormAnswer(form: FormSchema, answer: string): { ok: true; value: unknown } | { ok: false; problems: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(answer);
  } catch {
    return { ok: false, problems: ['The answer must be a JSON document'] };
  }
  const parsed = z.fromJSONSchema(form as Parameters<typeof z.fromJSONSchema>[0]).safeParse(value);
  if (parsed.success) return { ok: true, value };
  return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`) };
}
