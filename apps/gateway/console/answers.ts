// One request's question as a page section, and a posted form turned into the answer the orchestrator takes: the
// answer page (signed link) and the inbox (signed in) share both, so a question reads and validates the same way.
import { z } from 'zod';
import type { HumanRequestRow } from '../../../db/schema.js';
import { checkFormAnswer, type FormSchema } from '../../../workflows/form-answer.js';
import { html, type SafeHtml } from './html.js';
import { fieldErrors, formToValue, renderable, renderSchemaFields, type FieldErrors, type FormValues } from './schema-form.js';

/** A posted form: field name to value (a repeated name gives a list). */
export const FormBody = z.record(z.string().max(200), z.union([z.string().max(100_000), z.array(z.string().max(100_000)).max(1_000)]));
export type FormBody = z.infer<typeof FormBody>;

const KIND_TITLES: Record<string, string> = {
  approval: 'Approval needed',
  question: 'A question for you',
  recovery: 'A step failed: what now?',
};

export function formOf(request: HumanRequestRow): FormSchema | undefined {
  const form = (request.details as { form?: unknown } | null)?.form;
  return typeof form === 'object' && form !== null && !Array.isArray(form) ? (form as FormSchema) : undefined;
}

const one = (v: FormBody[string] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The answer in a posted form, or the problems to show beside its fields. */
export function answerFromForm(request: HumanRequestRow, body: FormBody): { answer: string } | { errors: FieldErrors } {
  const form = formOf(request);
  if (form) {
    const answer = renderable(form) ? JSON.stringify(formToValue(form, body)) : (one(body.json) ?? '');
    const checked = checkFormAnswer(form, answer);
    return checked.ok ? { answer } : { errors: fieldErrors(checked.problems) };
  }
  const answer = one(body.answer) ?? one(body.text) ?? '';
  if (!answer.trim()) return { errors: new Map([['', ['Choose an option or write an answer']]]) };
  return { answer };
}

/** Known details (a dry run's count, the request's host and method, a failed node's error) first, the rest after. */
function detailsList(details: unknown): SafeHtml {
  if (typeof details !== 'object' || details === null) return html``;
  const entries = Object.entries(details as Record<string, unknown>).filter(([k]) => k !== 'form' && k !== 'summary');
  if (entries.length === 0) return html``;
  const show = (v: unknown): SafeHtml | string => {
    if (typeof v === 'object' && v !== null) {
      const message = (v as { message?: unknown }).message;
      if (typeof message === 'string') return message;
      return html`<pre>${JSON.stringify(v, null, 2).slice(0, 4_000)}</pre>`;
    }
    return String(v);
  };
  return html`<dl class="details">
    ${entries.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${show(v)}</dd>`,
    )}
  </dl>`;
}

/** The question, its details and the way to answer it, posting to `action`. */
export function questionSection(
  request: HumanRequestRow,
  o: { action: string; csrf: string; values?: FormValues; errors?: FieldErrors; headingLevel?: 1 | 2 },
): SafeHtml {
  const summary = (request.details as { summary?: unknown } | null)?.summary;
  const errors = o.errors ?? new Map<string, string[]>();
  const general = errors.get('') ?? [];
  const form = formOf(request);
  const options = request.options as { value: string; label: string }[];
  const heading = o.headingLevel === 2 ? html`<h2>${request.question}</h2>` : html`<h1>${request.question}</h1>`;
  let controls: SafeHtml;
  if (form && renderable(form)) {
    // In the inbox several forms share the page: their ids carry the request's.
    controls = html`${renderSchemaFields(form, o.values, errors, o.headingLevel === 2 ? `f-${request.id}` : 'f')}<button
        type="submit"
        class="primary"
      >
        Send answer
      </button>`;
  } else if (form) {
    const value = one(o.values?.json) ?? '';
    controls = html`<div class="field">
        <label for="json-${request.id}">Your answer (JSON)</label>
        <textarea id="json-${request.id}" name="json" rows="8" required>${value}</textarea>
      </div>
      <button type="submit" class="primary">Send answer</button>`;
  } else {
    const free =
      request.allowFreeText === 1
        ? html`<div class="field">
              <label for="text-${request.id}">Or write an answer</label>
              <textarea id="text-${request.id}" name="text" rows="3" maxlength="10000"></textarea>
            </div>
            <button type="submit" name="mode" value="text">Send</button>`
        : '';
    controls = html`<div class="options">
        ${options.map(
          (opt, i) =>
            html`<button type="submit" name="answer" value="${opt.value}" class="${i === 0 ? 'primary' : ''}">${opt.label}</button>`,
        )}
      </div>
      ${free}`;
  }
  return html`<section class="question" data-request="${request.id}" aria-labelledby="q-${request.id}">
    <p class="kind" id="q-${request.id}">${KIND_TITLES[request.kind] ?? request.kind}</p>
    ${heading} ${typeof summary === 'string' ? html`<p class="summary">${summary}</p>` : ''} ${detailsList(request.details)}
    <form method="post" action="${o.action}" class="answer" novalidate>
      <input type="hidden" name="csrf" value="${o.csrf}" />
      <div class="form-error" role="alert" ${general.length ? '' : 'hidden'}>${general.join('; ')}</div>
      ${controls}
    </form>
    <p class="expires">Expires <time datetime="${request.expiresAt.toISOString()}">${request.expiresAt.toUTCString()}</time></p>
  </section>`;
}

/** What the page says once a request is closed: answered (what, by whom, when), expired or cancelled. */
export function closedSection(request: HumanRequestRow): SafeHtml {
  const answer = typeof request.answer === 'string' ? request.answer : JSON.stringify(request.answer);
  const when = request.answeredAt
    ? html` on <time datetime="${request.answeredAt.toISOString()}">${request.answeredAt.toUTCString()}</time>`
    : '';
  const state =
    request.status === 'answered'
      ? html`<p class="closed" role="status">
          This request was already answered: <strong>${answer}</strong>, by ${request.answeredBy ?? 'someone'}${when}.
        </p>`
      : html`<p class="closed" role="status">
          This request is ${request.status === 'expired' ? 'expired' : 'cancelled'}: it can no longer be answered.
        </p>`;
  return html`<section class="question">
    <p class="kind">${KIND_TITLES[request.kind] ?? request.kind}</p>
    <h1>${request.question}</h1>
    ${state}
  </section>`;
}
