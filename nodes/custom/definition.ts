// A stored custom node version as a node definition like any built-in: fields, handles, slots and operations from its
// declaration, `execute` running its code in the sandbox of its language with the bridge as its only door. The
// compiler, the palette and the executor read it through the same NodeDefinition, so nothing downstream knows it is
// custom but its `codeHash`, which the plan records.
import type { CredentialTypeDefinition } from '../sdk/credentials.js';
import { defineCredentialType } from '../sdk/credentials.js';
import { NodeError } from '../sdk/errors.js';
import { isNodeErrorCode, NODE_ERRORS } from '../sdk/error-codes.js';
import { field, type Field, type Fields } from '../sdk/fields.js';
import { defineNode, type NodeContext, type NodeDefinition, type Operation } from '../sdk/node.js';
import { BUILTIN_APPLY, createBridge } from './bridge.js';
import type { CredentialApply, CredentialTypeDeclaration, Declaration, FieldDeclaration } from './declaration.js';
import type { CustomNodeBridge, CustomNodeCall, CustomNodeResult, ExtractionResult } from './protocol.js';

export const CUSTOM_LANGUAGES = ['javascript', 'python'] as const;
export type CustomLanguage = (typeof CUSTOM_LANGUAGES)[number];

/** One immutable version of a custom node, as stored (db/custom-node-store.ts), its names already namespaced. */
export interface CustomNodeVersion {
  type: string;
  version: number;
  language: CustomLanguage;
  /** What the sandbox runs: JavaScript as transpiled, or the Python source. */
  code: string;
  codeHash: string;
  declaration: Declaration;
  /** Set when its owner disabled the type: no new plan may use it; runs already started finish. */
  disabled?: boolean;
}

/** Runs one call in the sandbox of its language (nodes/custom/runtime.ts in a worker). */
export type CustomNodeRunner = (
  language: CustomLanguage,
  call: CustomNodeCall,
  bridge: CustomNodeBridge,
  options: { signal: AbortSignal; owner: string | undefined },
) => Promise<CustomNodeResult>;

export const CUSTOM_DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The node definition of a version. The bridge applies the credential types the version declares itself (by full
 * name) and the built-in HTTP ones.
 */
export function customNodeDefinition(v: CustomNodeVersion, run: CustomNodeRunner): NodeDefinition<Fields> {
  const d = v.declaration.node;
  const slots = d.credentials ?? [];
  const applyOf = (type: string): CredentialApply | undefined =>
    v.declaration.credentialTypes.find((c) => c.type === type)?.apply ?? BUILTIN_APPLY[type] ?? undefined;
  const timeoutMs = d.timeoutMs ?? CUSTOM_DEFAULT_TIMEOUT_MS;
  return defineNode({
    type: v.type,
    version: v.version,
    displayName: d.displayName,
    category: d.category ?? 'network',
    description: d.description,
    kind: 'activity',
    fields: fieldsOf(d.fields),
    inputs: d.inputs ?? [{ name: 'in', dataType: 'any' }],
    outputs: d.outputs ?? [{ name: 'out', dataType: 'json' }],
    credentials: slots,
    // What the node did not declare gets the strictest policy: every run asks a person first.
    operations: () => undeclared(d.operations, d.hosts),
    // The hosts it may call, and no others (the bridge refuses the rest): the approval policy reads the same list.
    hosts: () => d.hosts ?? [],
    defaults: { timeoutMs },
    codeHash: v.codeHash,
    ...(v.disabled ? { unavailable: 'its owner disabled' } : {}),
    async execute(input, config, context) {
      const bridge = createBridge(context, { hosts: d.hosts ?? [], slots: slots.map((s) => s.slot), applyOf });
      const call: CustomNodeCall = {
        source: v.code,
        input,
        config: config as Record<string, unknown>,
        meta: {
          runId: context.runId,
          nodeId: context.nodeId,
          attempt: context.attempt,
          idempotencyKey: context.idempotencyKey,
          attachedSlots: slots.map((s) => s.slot).filter((slot) => context.credentials.has(slot)),
        },
        // The sandbox stops a little before the activity would, so the node fails with the sandbox's own error.
        timeoutMs: Math.max(100, Math.min(timeoutMs, context.timeoutMs) - 250),
      };
      return settle(await run(v.language, call, bridge, { signal: context.signal, owner: await context.owner?.() }), context);
    },
  });
}

/** The declared operations, with `undeclared` (sensitive) when the operations or the hosts were left out. */
function undeclared(operations: readonly Operation[] | null, hosts: readonly string[] | null): Operation[] {
  if (operations === null) return ['undeclared'];
  return hosts === null ? [...operations, 'undeclared'] : [...operations];
}

export function customCredentialType(type: string, c: CredentialTypeDeclaration): CredentialTypeDefinition<Fields> {
  return defineCredentialType({ type, displayName: c.displayName, description: c.description, fields: fieldsOf(c.fields) });
}

function settle(result: CustomNodeResult, context: NodeContext): unknown {
  for (const line of result.logs)
    (line.level === 'error' ? context.log.error : line.level === 'warn' ? context.log.warn : context.log.info)(`console: ${line.message}`);
  if (result.ok) return result.output;
  const details = { logs: result.logs, durationMs: result.durationMs };
  const thrown = result.nodeError;
  if (!thrown)
    throw new NodeError(result.error.code, result.error.message, { ...details, stack: result.error.stack }, { retryable: false });
  // The node's own code: one of Loom's codes keeps its meaning (and retryability unless the node said otherwise);
  // any other is the author's, as flow.stop_error's are, and never retried.
  if (isNodeErrorCode(thrown.code))
    throw new NodeError(
      thrown.code,
      thrown.message,
      { ...thrown.details, ...details },
      { retryable: thrown.retryable ?? NODE_ERRORS[thrown.code].retryable },
    );
  if (/^[A-Z][A-Z0-9_]{0,63}$/.test(thrown.code)) throw NodeError.authored(thrown.code, thrown.message);
  throw new NodeError('CODE_RUNTIME_ERROR', `${thrown.code.slice(0, 64)}: ${thrown.message}`, details);
}

/** The SDK field of a declared one: the same builders, so the config schema is built exactly as a built-in's. */
function fieldOf(f: FieldDeclaration): Field<unknown> {
  const common = {
    label: f.label,
    required: f.required,
    ...(f.help !== undefined ? { help: f.help } : {}),
    ...(f.placeholder !== undefined ? { placeholder: f.placeholder } : {}),
    ...(f.secret !== undefined ? { secret: f.secret } : {}),
  };
  const withDefault = <T>(parse: (v: unknown) => T | undefined) => {
    const value = f.default === undefined ? undefined : parse(f.default);
    return value === undefined ? {} : { default: value };
  };
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const values = (f.options ?? []).map((o) => ({ value: o.value, label: o.label }));
  switch (f.kind) {
    case 'string':
      return field.string({ ...common, ...withDefault(str) });
    case 'expression':
      return field.expression({ ...common, ...withDefault(str) });
    case 'code':
      return field.code({ ...common, language: f.language ?? 'javascript', ...withDefault(str) });
    case 'number':
      return field.number({
        ...common,
        ...withDefault((v) => (typeof v === 'number' ? v : undefined)),
        ...(f.min !== undefined ? { min: f.min } : {}),
        ...(f.max !== undefined ? { max: f.max } : {}),
        ...(f.int ? { int: true } : {}),
      });
    case 'boolean':
      return field.boolean({ ...common, ...withDefault((v) => (typeof v === 'boolean' ? v : undefined)) });
    case 'select':
      return field.select(values, {
        ...common,
        ...withDefault((v) => (typeof v === 'string' && values.some((o) => o.value === v) ? v : undefined)),
      });
    case 'multiselect':
      return field.multiselect(values, {
        ...common,
        ...withDefault((v) => (Array.isArray(v) && v.every((x) => values.some((o) => o.value === x)) ? (v as string[]) : undefined)),
      });
    case 'json':
      return field.json({ ...common, ...withDefault((v) => v) });
  }
}

function fieldsOf(fields: Record<string, FieldDeclaration>): Fields {
  return Object.fromEntries(Object.entries(fields).map(([name, f]) => [name, fieldOf(f)]));
}

/** What turns an upload into a stored version, and runs it: the sandboxes of both languages (nodes/custom/runtime.ts). */
export interface CustomNodeRuntime {
  run: CustomNodeRunner;
  /** TypeScript or JavaScript → the ES module the sandbox runs; Python is run as written. */
  prepare(
    sourceLanguage: 'typescript' | 'javascript' | 'python',
    source: string,
  ): Promise<{ ok: true; code: string } | { ok: false; message: string; line?: number; column?: number }>;
  /** Runs the module in the sandbox (never in this process) and hands back what it declares. */
  extract(language: CustomLanguage, code: string, owner: string): Promise<ExtractionResult>;
}
