// What an uploaded node declares, as its sandbox hands it back (nodes/custom/protocol.ts): checked here with zod before
// anything of it is believed, then turned into the same field, handle and credential shapes as a built-in node's. The
// limits keep one upload from bloating every palette and every compile of its owner.
import { z } from 'zod';
import type { FieldKind } from '../sdk/fields.js';
import type { Operation } from '../sdk/node.js';

export const CUSTOM_NODE_LIMITS = {
  sourceBytes: 256 * 1024,
  fields: 50,
  credentialSlots: 10,
  credentialTypes: 10,
  hosts: 20,
  options: 200,
  textChars: 2_000,
} as const;

/** A name inside a namespace: `trello.create_card`, `trelloApi`. Dots separate words; nothing a path could abuse. */
const LocalName = z
  .string()
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/, 'letters, digits and _, in words separated by dots, starting with a letter');
const Text = (max: number = CUSTOM_NODE_LIMITS.textChars) => z.string().max(max);
/** Absent or null (a Python class attribute left out) both mean none. */
const OptionalText = Text()
  .nullish()
  .transform((v) => v ?? '');
const FieldName = z
  .string()
  .max(64)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and _, not starting with a digit');

const FIELD_KINDS = [
  'string',
  'number',
  'boolean',
  'select',
  'multiselect',
  'json',
  'code',
  'expression',
] as const satisfies readonly FieldKind[];

export const FieldDeclarationSchema = z
  .object({
    kind: z.enum(FIELD_KINDS),
    label: Text(200),
    required: z.boolean().default(false),
    default: z.unknown().optional(),
    help: Text().optional(),
    placeholder: Text(500).optional(),
    secret: z.boolean().optional(),
    options: z
      .array(z.object({ value: Text(200), label: Text(200) }))
      .max(CUSTOM_NODE_LIMITS.options)
      .optional(),
    language: z.enum(['javascript', 'python', 'sql']).optional(),
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
    int: z.boolean().optional(),
  })
  .refine((f) => !(f.kind === 'select' || f.kind === 'multiselect') || (f.options?.length ?? 0) > 0, {
    message: 'a select field needs options',
    path: ['options'],
  });
export type FieldDeclaration = z.infer<typeof FieldDeclarationSchema>;

const FieldsSchema = z
  .record(FieldName, FieldDeclarationSchema)
  .refine((f) => Object.keys(f).length <= CUSTOM_NODE_LIMITS.fields, `at most ${CUSTOM_NODE_LIMITS.fields} fields`);

const HandleSchema = z.object({ name: FieldName, dataType: z.enum(['json', 'text', 'binary', 'any']) });

/** The operations an uploaded node may declare; `undeclared` is Loom's, for a node that declared none. */
export const DECLARABLE_OPERATIONS = [
  'pure',
  'read',
  'external_api',
  'database_write',
  'file_delete',
  'credential_access',
  'llm',
  'code',
  'file_write',
] as const satisfies readonly Operation[];

/**
 * How Loom puts a credential on a request the node sends with `credential: slot`, so the node's code can use a
 * credential without reading it. `{{field}}` stands for a field's value; nothing else is evaluated.
 */
export const CredentialApplySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('header'), name: z.string().regex(/^[A-Za-z0-9-]{1,100}$/), value: Text(500) }),
  z.object({ kind: z.literal('query'), params: z.record(z.string().min(1).max(100), Text(500)) }),
  z.object({ kind: z.literal('basic'), username: Text(500), password: Text(500) }),
  z.object({ kind: z.literal('bearer'), token: Text(500) }),
]);
export type CredentialApply = z.infer<typeof CredentialApplySchema>;

export const CredentialTypeDeclarationSchema = z.object({
  type: LocalName,
  displayName: Text(200),
  description: OptionalText,
  fields: FieldsSchema,
  apply: CredentialApplySchema.nullable().default(null),
});
export type CredentialTypeDeclaration = z.infer<typeof CredentialTypeDeclarationSchema>;

const CATEGORIES = ['trigger', 'flow', 'data', 'network', 'code', 'ai', 'database', 'human'] as const;

export const NodeDeclarationSchema = z.object({
  type: LocalName,
  /** The author's own number, kept for them; Loom numbers the versions it stores. */
  version: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .nullish()
    .transform((v) => v ?? 1),
  displayName: Text(200).min(1),
  description: OptionalText,
  category: z.enum(CATEGORIES).nullable().default(null),
  fields: FieldsSchema.default({}),
  inputs: z.array(HandleSchema).max(10).nullable().default(null),
  outputs: z.array(HandleSchema).min(1).max(10).nullable().default(null),
  credentials: z
    .array(z.object({ slot: FieldName, types: z.array(LocalName).min(1).max(10), required: z.boolean().default(false) }))
    .max(CUSTOM_NODE_LIMITS.credentialSlots)
    .nullable()
    .default(null),
  /** Null: the node did not say (every run then asks a person first). */
  operations: z.array(z.enum(DECLARABLE_OPERATIONS)).max(20).nullable().default(null),
  /** Null: not declared (every run asks a person first, and the bridge refuses every request); []: calls none. */
  hosts: z.array(z.string().min(1).max(253)).max(CUSTOM_NODE_LIMITS.hosts).nullable().default(null),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(10 * 60_000)
    .nullable()
    .default(null),
  hasExecute: z.literal(true, { error: 'the node has no execute function' }),
  hasDescribe: z.boolean().default(false),
});
export type NodeDeclaration = z.infer<typeof NodeDeclarationSchema>;

export const DeclarationSchema = z.object({
  node: NodeDeclarationSchema,
  credentialTypes: z.array(CredentialTypeDeclarationSchema).max(CUSTOM_NODE_LIMITS.credentialTypes).default([]),
});
export type Declaration = z.infer<typeof DeclarationSchema>;

/** A declaration problem, where it is (for the 422), as the compiler reports its own. */
export interface DeclarationIssue {
  code: 'DECLARATION_INVALID';
  message: string;
  path: (string | number)[];
}

export function parseDeclaration(raw: unknown): { ok: true; declaration: Declaration } | { ok: false; issues: DeclarationIssue[] } {
  const parsed = DeclarationSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((i) => ({
        code: 'DECLARATION_INVALID',
        message: i.message,
        path: i.path.filter((p): p is string | number => typeof p !== 'symbol'),
      })),
    };
  }
  const issues = crossChecks(parsed.data);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, declaration: parsed.data };
}

/** What the per-field schemas cannot say: credential types a slot names exist, names are unique. */
function crossChecks(d: Declaration): DeclarationIssue[] {
  const issues: DeclarationIssue[] = [];
  const declared = new Set<string>();
  d.credentialTypes.forEach((c, i) => {
    if (declared.has(c.type))
      issues.push({
        code: 'DECLARATION_INVALID',
        message: `credential type "${c.type}" is declared twice`,
        path: ['credentialTypes', i, 'type'],
      });
    declared.add(c.type);
    if (c.apply) {
      for (const name of templateFields(c.apply))
        if (!(name in c.fields))
          issues.push({
            code: 'DECLARATION_INVALID',
            message: `apply uses {{${name}}}, which is not a field of "${c.type}"`,
            path: ['credentialTypes', i, 'apply'],
          });
    }
  });
  const slots = new Set<string>();
  (d.node.credentials ?? []).forEach((s, i) => {
    if (slots.has(s.slot))
      issues.push({ code: 'DECLARATION_INVALID', message: `slot "${s.slot}" is declared twice`, path: ['node', 'credentials', i, 'slot'] });
    slots.add(s.slot);
  });
  return issues;
}

const TEMPLATE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The field names an apply rule's templates use. */
export function templateFields(apply: CredentialApply): string[] {
  const texts =
    apply.kind === 'header'
      ? [apply.value]
      : apply.kind === 'query'
        ? Object.values(apply.params)
        : apply.kind === 'basic'
          ? [apply.username, apply.password]
          : [apply.token];
  return texts.flatMap((t) => [...t.matchAll(TEMPLATE)].map((m) => m[1] ?? ''));
}

/** Fills `{{field}}` from the credential's values (a missing one is empty). */
export function fillTemplate(text: string, values: Record<string, string>): string {
  return text.replace(TEMPLATE, (_, name: string) => (Object.hasOwn(values, name) ? (values[name] ?? '') : ''));
}
