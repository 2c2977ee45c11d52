// A question's JSON Schema as an HTML form, and the posted form back into the JSON document the schema describes.
// Both walk the same subset: objects (nested), strings (enum, length, pattern), numbers and integers (bounds),
// booleans, arrays of scalars (one item per line) and arrays of objects (a fixed number of rows, empty rows left
// out), so the page works without JavaScript. The server still validates the result with the workflow's own check
// (workflows/form-answer.ts); the HTML constraints below only let the page say so sooner. A schema is the workflow
// author's input: depth and field count are bounded, and anything past them (or outside the subset) is one JSON box.
import { html, type SafeHtml } from './html.js';

type Schema = Record<string, unknown>;
export type FormValues = Record<string, string | string[] | undefined>;

const MAX_DEPTH = 6;
const MAX_FIELDS = 200;
/** Rows offered for an array of objects (no script adds rows); `maxItems` lowers it. */
const OBJECT_ROWS = 3;

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const typeOf = (s: Schema): string | undefined => (typeof s.type === 'string' ? s.type : Array.isArray(s.enum) ? 'string' : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** The form field name of a path: `f.address.city`, `f.items.0.name`. Ids are the same with dashes. */
const nameOf = (path: string[]) => ['f', ...path].join('.');
/** Ids are unique per page: forms of several requests (the inbox) each have their own `base`. */
const idOf = (path: string[], base = 'f') => [base, ...path].join('-').replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * A schema stored as jsonb comes back with its keys sorted by length, not as written: fields follow `propertyOrder`
 * (the JSON Editor convention) where a property has one, then the stored order.
 */
function ordered(properties: Record<string, Schema>): [string, Schema][] {
  const rank = (s: Schema) => num(s.propertyOrder) ?? Number.MAX_SAFE_INTEGER;
  return Object.entries(properties)
    .map((entry, i) => ({ entry, i }))
    .sort((a, b) => rank(a.entry[1]) - rank(b.entry[1]) || a.i - b.i)
    .map(({ entry }) => entry);
}

/** Whether the schema stays inside the rendered subset and bounds; otherwise the page asks for the JSON itself. */
export function renderable(schema: Schema): boolean {
  let fields = 0;
  const walk = (s: unknown, depth: number): boolean => {
    if (!isSchema(s) || depth > MAX_DEPTH || ++fields > MAX_FIELDS) return false;
    switch (typeOf(s)) {
      case 'object':
        return isSchema(s.properties) && Object.values(s.properties).every((p) => walk(p, depth + 1));
      case 'array': {
        if (!isSchema(s.items)) return false;
        const item = typeOf(s.items);
        return item === 'object' ? walk(s.items, depth + 1) : item === 'string' || item === 'number' || item === 'integer';
      }
      case 'string':
      case 'number':
      case 'integer':
      case 'boolean':
        return true;
      default:
        return false;
    }
  };
  return typeOf(schema) === 'object' && walk(schema, 0);
}

/** Per-field messages, by the answer's path (`address.city`), as the server check reports them. */
export type FieldErrors = Map<string, string[]>;

interface RenderContext {
  values: FormValues;
  errors: FieldErrors;
  idBase: string;
}

function errorsOf(ctx: RenderContext, path: string[]): SafeHtml {
  const list = ctx.errors.get(path.join('.')) ?? [];
  return html`<p class="field-error" id="${idOf(path, ctx.idBase)}-error" ${list.length ? '' : 'hidden'}>${list.join('; ')}</p>`;
}

function labelled(s: Schema, key: string): { label: string; hint: string | undefined } {
  return { label: text(s.title) ?? key, hint: text(s.description) };
}

function scalarField(s: Schema, path: string[], required: boolean, ctx: RenderContext): SafeHtml {
  const id = idOf(path, ctx.idBase);
  const name = nameOf(path);
  const { label, hint } = labelled(s, path.at(-1) ?? 'answer');
  const value = ctx.values[name];
  const current = typeof value === 'string' ? value : undefined;
  const described = html`aria-describedby="${id}-error${hint ? ` ${id}-hint` : ''}"`;
  const hintHtml = hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : '';
  const invalid = ctx.errors.has(path.join('.')) ? html`aria-invalid="true"` : '';
  const type = typeOf(s);
  if (type === 'boolean') {
    const checked = current === undefined ? s.default === true : current === 'on';
    return html`<div class="field checkbox">
      <input type="checkbox" id="${id}" name="${name}" ${checked ? 'checked' : ''} ${described} ${invalid} />
      <label for="${id}">${label}</label>${hintHtml}${errorsOf(ctx, path)}
    </div>`;
  }
  const star = required ? html`<span aria-hidden="true"> *</span>` : '';
  if (Array.isArray(s.enum)) {
    const options = s.enum.filter((o): o is string | number => typeof o === 'string' || typeof o === 'number').map(String);
    return html`<div class="field">
      <label for="${id}">${label}${star}</label>${hintHtml}
      <select id="${id}" name="${name}" ${required ? 'required' : ''} ${described} ${invalid}>
        <option value="">Choose…</option>
        ${options.map((o) => html`<option value="${o}" ${o === current ? 'selected' : ''}>${o}</option>`)}</select
      >${errorsOf(ctx, path)}
    </div>`;
  }
  const numeric = type === 'number' || type === 'integer';
  const attrs = numeric
    ? html`type="number" inputmode="${type === 'integer' ? 'numeric' : 'decimal'}" step="${type === 'integer' ? '1' : 'any'}"
      ${num(s.minimum) === undefined ? '' : html`min="${num(s.minimum)}"`}
      ${num(s.maximum) === undefined ? '' : html`max="${num(s.maximum)}"`}`
    : html`type="${s.format === 'email' ? 'email' : 'text'}" ${num(s.minLength) === undefined ? '' : html`minlength="${num(s.minLength)}"`}
      ${num(s.maxLength) === undefined ? '' : html`maxlength="${num(s.maxLength)}"`}
      ${text(s.pattern) === undefined ? '' : html`pattern="${text(s.pattern)}"`}`;
  return html`<div class="field">
    <label for="${id}">${label}${star}</label>${hintHtml}
    <input id="${id}" name="${name}" ${attrs} value="${current ?? ''}" ${required ? 'required' : ''} ${described} ${invalid} />
    ${errorsOf(ctx, path)}
  </div>`;
}

function arrayField(s: Schema, path: string[], ctx: RenderContext): SafeHtml {
  const items = s.items as Schema;
  const { label, hint } = labelled(s, path.at(-1) ?? 'answer');
  if (typeOf(items) !== 'object') {
    const id = idOf(path, ctx.idBase);
    const value = ctx.values[nameOf(path)];
    return html`<div class="field">
      <label for="${id}">${label}</label>
      <p class="hint" id="${id}-hint">${hint ? `${hint} ` : ''}One ${typeOf(items) === 'string' ? 'item' : 'number'} per line.</p>
      <textarea id="${id}" name="${nameOf(path)}" rows="4" aria-describedby="${id}-hint ${id}-error">
${typeof value === 'string' ? value : ''}</textarea>
      ${errorsOf(ctx, path)}
    </div>`;
  }
  const rows = Math.max(1, Math.min(num(s.maxItems) ?? OBJECT_ROWS, OBJECT_ROWS), num(s.minItems) ?? 0);
  return html`<fieldset class="array">
    <legend>${label}</legend>
    ${hint ? html`<p class="hint">${hint}</p>` : ''}
    ${Array.from({ length: rows }, (_, i) => objectFields(items, [...path, String(i)], ctx, `${label} ${i + 1}`))} ${errorsOf(ctx, path)}
  </fieldset>`;
}

function objectFields(s: Schema, path: string[], ctx: RenderContext, legend?: string): SafeHtml {
  const required = new Set(Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === 'string') : []);
  const fields = ordered(s.properties as Record<string, Schema>).map(([key, child]) => {
    const at = [...path, key];
    const type = typeOf(child);
    if (type === 'object') return objectFields(child, at, ctx, labelled(child, key).label);
    if (type === 'array') return arrayField(child, at, ctx);
    return scalarField(child, at, required.has(key), ctx);
  });
  if (legend === undefined) return html`${fields}${errorsOf(ctx, path)}`;
  return html`<fieldset>
    <legend>${legend}</legend>
    ${fields}${errorsOf(ctx, path)}
  </fieldset>`;
}

/** The fields of a renderable schema (see `renderable`), filled with posted values and their errors. */
export function renderSchemaFields(schema: Schema, values: FormValues = {}, errors: FieldErrors = new Map(), idBase = 'f'): SafeHtml {
  return objectFields(schema, [], { values, errors, idBase });
}

function scalarValue(s: Schema, raw: string): unknown {
  const type = typeOf(s);
  if (type === 'number' || type === 'integer') {
    const n = Number(raw);
    // Left as text when it is not a number: the schema check then says "expected number" for this field.
    return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
  }
  if (Array.isArray(s.enum) && s.enum.some((o) => typeof o === 'number')) {
    const n = Number(raw);
    return s.enum.includes(n) ? n : raw;
  }
  return raw;
}

function valueAt(s: Schema, path: string[], values: FormValues): unknown {
  const type = typeOf(s);
  if (type === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(s.properties as Record<string, Schema>)) {
      const v = valueAt(child, [...path, key], values);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  if (type === 'array') {
    const items = s.items as Schema;
    if (typeOf(items) === 'object') {
      const rows: unknown[] = [];
      for (let i = 0; i < OBJECT_ROWS + (num(s.minItems) ?? 0); i++) {
        const row = valueAt(items, [...path, String(i)], values) as Record<string, unknown>;
        // A row nobody filled in (no text, no checked box) is not an item.
        if (Object.values(row).some((v) => v !== undefined && v !== false)) rows.push(row);
      }
      return rows;
    }
    const raw = values[nameOf(path)];
    const lines = (typeof raw === 'string' ? raw : '').split(/\r?\n/).map((l) => l.trim());
    return lines.filter((l) => l !== '').map((l) => scalarValue(items, l));
  }
  const raw = values[nameOf(path)];
  if (type === 'boolean') return raw === 'on';
  if (typeof raw !== 'string' || raw === '') return undefined;
  return scalarValue(s, raw);
}

/** The posted fields as the JSON document the schema describes (validation is the schema check's job). */
export function formToValue(schema: Schema, values: FormValues): unknown {
  return valueAt(schema, [], values);
}

/** The schema check's problems ("address.city: Invalid input") by field path; the rest under ''. */
export function fieldErrors(problems: string[]): FieldErrors {
  const errors: FieldErrors = new Map();
  for (const p of problems) {
    const at = p.indexOf(': ');
    const path = at > 0 ? p.slice(0, at) : '';
    const key = path === '(answer)' ? '' : path;
    errors.set(key, [...(errors.get(key) ?? []), at > 0 ? p.slice(at + 2) : p]);
  }
  return errors;
}
