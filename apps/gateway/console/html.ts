// Escaping for the console's pages: every value goes through `html`, which escapes what it interpolates unless the
// value is already markup built by `html` itself. Written here rather than taken from a template library: the pages
// need one tagged template and nothing else, and 40 lines we can read beat a dependency whose escaping we would have to
// audit anyway (the small libraries looked at, e.g. escape-html, only escape; none adds attribute-context safety).
// Attribute values are always quoted by the templates, so escaping & < > " ' is enough in both text and attributes.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Markup that is safe to emit as is: only `html` and `raw` make one. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

type Interpolated = SafeHtml | string | number | boolean | null | undefined | readonly Interpolated[];

function render(value: Interpolated): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value as string | number | boolean));
}

/** `html\`<p>${text}</p>\``: interpolated strings are escaped, nested `html` results and arrays of them are not. */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return new SafeHtml(out);
}

/** Markup from a trusted constant (never from input). */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
