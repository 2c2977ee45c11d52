// Node fields: what the editor renders and the one source of each node's config schema and config type.
// String fields may hold `{{ }}` expressions anywhere; other scalar fields accept a whole-value expression instead.
import { z } from 'zod';

export type FieldKind = 'string' | 'number' | 'boolean' | 'select' | 'multiselect' | 'json' | 'code' | 'expression';

export interface FieldOption {
  value: string;
  label: string;
}

/** A field as the palette describes it. */
export interface FieldSpec {
  label: string;
  kind: FieldKind;
  required: boolean;
  default?: unknown;
  options?: FieldOption[];
  help?: string;
  placeholder?: string;
  /** For `code` fields: the language the editor highlights. */
  language?: 'javascript' | 'python' | 'sql';
  /** Credential fields: never returned after creation, never logged. */
  secret?: boolean;
}

/** A field with the TypeScript type its value has when the node executes (after expressions are evaluated). */
export interface Field<T> extends FieldSpec {
  /** Validates the value at compile time; expressions are accepted where the kind allows them. */
  schema: z.ZodType;
  readonly __value?: T;
}

export type Fields = Record<string, Field<unknown>>;
export type ConfigOf<F extends Fields> = { [K in keyof F]: F[K] extends Field<infer T> ? T : never };

interface Common<T> {
  label: string;
  help?: string;
  placeholder?: string;
  required?: boolean;
  default?: T;
  secret?: boolean;
}
type Value<T, O> = O extends { required: true } ? T : O extends { default: unknown } ? T : T | undefined;

/** A whole-value expression such as "{{ $json.count }}". */
export const ExpressionString = z.string().regex(/^\s*\{\{[\s\S]*\}\}\s*$/, 'expected a value or an expression {{ ... }}');

/** R is the phantom value type the builder computed from its options. */
function make<R>(
  kind: FieldKind,
  o: Common<unknown> & { options?: FieldOption[]; language?: FieldSpec['language'] },
  schema: z.ZodType,
): Field<R> {
  const base: z.ZodType = o.default !== undefined ? schema.default(o.default as never) : o.required ? schema : schema.optional();
  return { ...o, kind, required: o.required ?? false, schema: base };
}

const options = <V extends string>(values: readonly (V | { value: V; label: string })[]): { value: V; label: string }[] =>
  values.map((v) => (typeof v === 'string' ? { value: v, label: v } : v));

export const field = {
  string: <const O extends Common<string>>(o: O): Field<Value<string, O>> =>
    make('string', o, o.required ? z.string().min(1, `${o.label} is required`) : z.string()),
  expression: <const O extends Common<string>>(o: O): Field<Value<unknown, O>> => make('expression', o, z.string()),
  code: <const O extends Common<string> & { language: FieldSpec['language'] }>(o: O): Field<Value<string, O>> =>
    make('code', o, o.required ? z.string().min(1, `${o.label} is required`) : z.string()),
  number: <const O extends Common<number> & { min?: number; max?: number; int?: boolean }>(o: O): Field<Value<number, O>> => {
    let n = z.number().finite();
    if (o.int) n = n.int();
    if (o.min !== undefined) n = n.min(o.min);
    if (o.max !== undefined) n = n.max(o.max);
    return make('number', o, z.union([n, ExpressionString]));
  },
  boolean: <const O extends Common<boolean>>(o: O): Field<Value<boolean, O>> =>
    make('boolean', o, z.union([z.boolean(), ExpressionString])),
  select: <const V extends string, const O extends Common<V>>(
    values: readonly (V | { value: V; label: string })[],
    o: O,
  ): Field<Value<V, O>> => {
    const opts = options(values);
    return make('select', { ...o, options: opts }, z.union([z.enum(opts.map((x) => x.value) as [V, ...V[]]), ExpressionString]));
  },
  multiselect: <const V extends string, const O extends Common<V[]>>(
    values: readonly (V | { value: V; label: string })[],
    o: O,
  ): Field<Value<V[], O>> => {
    const opts = options(values);
    return make('multiselect', { ...o, options: opts }, z.array(z.enum(opts.map((x) => x.value) as [V, ...V[]])));
  },
  /** Structured values (headers, IF conditions, Switch rules); `schema` gives their exact shape. */
  json: <T, const O extends Common<T> = Common<T>>(o: O & { schema?: z.ZodType<T> }): Field<Value<T, O>> => {
    const { schema, ...rest } = o;
    return make('json', rest, schema ?? z.unknown());
  },
};

/** The config schema of a node: every field, defaults applied, unknown keys refused. */
export function schemaFromFields(fields: Fields): z.ZodObject {
  return z.object(Object.fromEntries(Object.entries(fields).map(([name, f]) => [name, f.schema]))).strict();
}

/** What the palette shows of the fields, in declaration order. */
export function fieldViews(fields: Fields): (FieldSpec & { name: string })[] {
  return Object.entries(fields).map(([name, f]) => {
    const { schema: _schema, __value: _value, ...spec } = f;
    return { name, ...spec, ...(f.default !== undefined ? { default: f.default } : {}) };
  });
}
