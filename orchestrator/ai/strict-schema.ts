// What OpenAI's strict structured outputs would refuse in a JSON Schema, checked before a schema is ever sent: the
// service answers a non-conforming schema with a 400, and a scripted test server would not notice. The rules follow
// OpenAI's "Supported schemas" guide (Structured Outputs): an object root, `additionalProperties: false` and every
// property required on every object, anyOf but no oneOf/allOf/not, a type on every subschema, a closed keyword set,
// at most 10 levels of nesting, 5,000 properties and 1,000 enum values.
const ALLOWED_KEYWORDS: ReadonlySet<string> = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'anyOf',
  '$ref',
  '$defs',
  'description',
  'title',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
]);
const FORMATS: ReadonlySet<string> = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid']);
const MAX_NESTING = 10;
const MAX_PROPERTIES = 5000;
const MAX_ENUM_VALUES = 1000;

type Schema = Record<string, unknown>;
const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every reason strict mode would refuse `schema`, each with the JSON pointer of the subschema; empty when it would not. */
export function openAiStrictProblems(schema: unknown): string[] {
  const problems: string[] = [];
  if (!isSchema(schema) || schema.type !== 'object') return ['/: the root must be an object schema (type "object", not anyOf)'];
  let properties = 0;
  let enumValues = 0;
  const visit = (s: unknown, at: string, depth: number): void => {
    if (!isSchema(s)) return void problems.push(`${at}: not a schema`);
    if (depth > MAX_NESTING) problems.push(`${at}: nested deeper than ${MAX_NESTING} levels`);
    for (const key of Object.keys(s)) {
      if (!ALLOWED_KEYWORDS.has(key) && !(at === '' && key === '$schema')) problems.push(`${at}/${key}: keyword not supported`);
    }
    if (!('type' in s) && !('anyOf' in s) && !('$ref' in s) && !('enum' in s) && !('const' in s)) problems.push(`${at || '/'}: no type`);
    if (typeof s.format === 'string' && !FORMATS.has(s.format)) problems.push(`${at}/format: "${s.format}" not supported`);
    if (Array.isArray(s.enum)) enumValues += s.enum.length;
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (types.includes('object') || 'properties' in s) {
      const props = isSchema(s.properties) ? s.properties : {};
      const keys = Object.keys(props);
      properties += keys.length;
      if (s.additionalProperties !== false) problems.push(`${at || '/'}: additionalProperties must be false`);
      const required = new Set(Array.isArray(s.required) ? s.required : []);
      for (const key of keys) {
        if (!required.has(key)) problems.push(`${at}/properties/${key}: must be required (make it nullable instead of optional)`);
        visit(props[key], `${at}/properties/${key}`, depth + 1);
      }
    }
    if ('items' in s) visit(s.items, `${at}/items`, depth + 1);
    if (Array.isArray(s.anyOf)) s.anyOf.forEach((branch, i) => visit(branch, `${at}/anyOf/${i}`, depth));
    if (isSchema(s.$defs)) for (const [name, def] of Object.entries(s.$defs)) visit(def, `${at}/$defs/${name}`, 0);
  };
  visit(schema, '', 0);
  if (properties > MAX_PROPERTIES) problems.push(`/: ${properties} properties, more than ${MAX_PROPERTIES}`);
  if (enumValues > MAX_ENUM_VALUES) problems.push(`/: ${enumValues} enum values, more than ${MAX_ENUM_VALUES}`);
  return problems;
}
