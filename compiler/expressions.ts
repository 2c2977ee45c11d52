// `{{ expr }}` templates in node config strings. `expr` is JSONata, parsed here (never eval'd) so the compiler can
// report BAD_EXPRESSION / UNKNOWN_REFERENCE / NOT_UPSTREAM, and reused by the runtime evaluator.
// No Node built-ins: this module is also bundled into Temporal's workflow sandbox.
import jsonata from 'jsonata';
import { assertLinearRegex, LinearRegExp } from './regex-engine.js';

export type Segment =
  { kind: 'text'; text: string } | { kind: 'expression'; source: string; start: number; end: number; expression: jsonata.Expression };

export class TemplateError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

const OPEN = '{{';
const CLOSE = '}}';

/**
 * How deep evaluation may nest (JSONata counts every sub-expression it enters, so recursion of depth n costs a few
 * times n). Past it the expression fails with D1011 instead of growing the stack until the process aborts.
 */
export const MAX_EVALUATION_DEPTH = 1_000;

/**
 * Every expression is built here, by the compiler and at run time alike, so both agree on what runs: regexes on the
 * linear-time engine (a pattern it cannot run is a parse error now, not a failure at run time) and a depth bound.
 */
function compileExpression(source: string): jsonata.Expression {
  const expression = jsonata(source, { RegexEngine: LinearRegExp as unknown as RegExpConstructor, stack: MAX_EVALUATION_DEPTH });
  forEachRegex(expression.ast(), assertLinearRegex);
  return expression;
}

function forEachRegex(value: unknown, visit: (pattern: RegExp) => void): void {
  if (value instanceof RegExp) return visit(value);
  if (Array.isArray(value)) return value.forEach((v) => forEachRegex(v, visit));
  if (value && typeof value === 'object') for (const child of Object.values(value)) forEachRegex(child, visit);
}

// The editor recompiles a document on every change, mostly unchanged: parsed templates are kept (bounded).
const parsedTemplates = new Map<string, Segment[]>();
const PARSED_LIMIT = 20_000;

/** parseTemplate with a cache; the returned segments are shared, never mutate them. */
export function parseTemplateCached(text: string): Segment[] {
  const hit = parsedTemplates.get(text);
  if (hit) return hit;
  const segments = parseTemplate(text);
  if (parsedTemplates.size >= PARSED_LIMIT) parsedTemplates.delete(parsedTemplates.keys().next().value as string);
  parsedTemplates.set(text, segments);
  return segments;
}

/**
 * Splits a string into literal text and expressions. An expression may itself contain "}}" (an object constructor),
 * so each candidate closing brace is tried until the text between parses.
 */
export function parseTemplate(text: string): Segment[] {
  const segments: Segment[] = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf(OPEN, at);
    if (open === -1) break;
    if (open > at) segments.push({ kind: 'text', text: text.slice(at, open) });
    let close = text.indexOf(CLOSE, open + OPEN.length);
    if (close === -1) throw new TemplateError('"{{" is never closed with "}}"', open);
    let firstError: unknown;
    let parsed: jsonata.Expression | undefined;
    while (close !== -1) {
      const source = text.slice(open + OPEN.length, close);
      if (source.trim() === '') throw new TemplateError('Empty expression "{{ }}"', open);
      try {
        parsed = compileExpression(source);
        break;
      } catch (err) {
        firstError ??= err;
        close = text.indexOf(CLOSE, close + 1);
      }
    }
    if (!parsed || close === -1) {
      const message =
        firstError && typeof firstError === 'object' && 'message' in firstError ? String(firstError.message) : 'does not parse';
      throw new TemplateError(`Expression does not parse: ${message}`, open);
    }
    segments.push({
      kind: 'expression',
      source: text.slice(open + OPEN.length, close),
      start: open,
      end: close + CLOSE.length,
      expression: parsed,
    });
    at = close + CLOSE.length;
  }
  if (at < text.length) segments.push({ kind: 'text', text: text.slice(at) });
  return segments;
}

export function hasTemplate(text: string): boolean {
  return text.includes(OPEN);
}

/** True when the whole string is one expression: its value keeps its type (number, object...) instead of becoming text. */
export function isPureExpression(segments: Segment[]): boolean {
  return segments.length === 1 && segments[0]?.kind === 'expression';
}

interface AstNode {
  type?: string;
  value?: unknown;
  steps?: AstNode[];
  [key: string]: unknown;
}

/** Node ids an expression reads through `$node.<id>` (or $node.`my-id`). */
export function referencedNodes(expression: jsonata.Expression): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    const node = value as AstNode;
    if (node.type === 'path' && Array.isArray(node.steps)) {
      const [first, second] = node.steps;
      if (first?.type === 'variable' && first.value === 'node' && second?.type === 'name' && typeof second.value === 'string')
        found.add(second.value);
    }
    for (const child of Object.values(node)) visit(child);
  };
  visit(expression.ast());
  return [...found].sort();
}

/** A config string that holds a template, and its JSON path in the config. */
export interface TemplateString {
  text: string;
  path: (string | number)[];
}

const NO_TEMPLATES: readonly TemplateString[] = Object.freeze([]);

/**
 * Every string in a config value that holds a template, with its JSON path, so templates anywhere in a config are
 * found. The compiler reads every node's config and most hold none: those cost no list, no path and no closure.
 */
export function templateStringsIn(value: unknown): readonly TemplateString[] {
  if (isEmptyObject(value)) return NO_TEMPLATES;
  let found: TemplateString[] | undefined;
  const path: (string | number)[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.includes(OPEN)) (found ??= []).push({ text: v, path: [...path] });
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        visit(v[i]);
        path.pop();
      }
    } else if (v && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        path.push(k);
        visit((v as Record<string, unknown>)[k]);
        path.pop();
      }
    }
  };
  visit(value);
  return found ?? NO_TEMPLATES;
}

/** An object with no own key (the usual config), told without listing its keys. */
function isEmptyObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  for (const key in value) if (Object.hasOwn(value, key)) return false;
  return true;
}
