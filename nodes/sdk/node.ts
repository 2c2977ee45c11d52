// The node SDK: one declaration per node type, read alike by the compiler, the palette and the executor.
import type { z } from 'zod';
import {
  sameAsInput,
  type CredentialSlotSpec,
  type FieldValueType,
  type HandleSpec,
  type NodeExecution,
  type NodeTypeInfo,
  type RetrySettings,
  type ShapeContext,
} from '../../compiler/catalog.js';
import type { Shape } from '../../compiler/shapes.js';
import { NodeError } from './errors.js';
import { schemaFromFields, type ConfigOf, type Fields } from './fields.js';
import type { ExtractedContent, FileMeta, KnowledgeHit } from './values.js';

export type NodeKind = NodeTypeInfo['kind'];

/** Operations a node performs, so approval policy can decide per run what needs a human. */
export type Operation =
  | 'pure'
  | 'read'
  | 'external_api'
  | 'database_write'
  | 'file_delete'
  | 'credential_access'
  | 'llm'
  | 'code'
  /** Saves a new file of the run's owner (files.write). */
  | 'file_write'
  /** A trigger anyone who knows its URL can fire (a webhook without authentication): the compiler warns. */
  | 'public_endpoint'
  /** A custom node that did not say what it does: treated as sensitive, so every run asks a person first. */
  | 'undeclared';

export interface NodeLogger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** Decrypted values of one credential; only ever held in an activity's memory. */
export type CredentialValues = Record<string, string>;

export interface HttpClient {
  /** fetch with the node's timeout, its abort signal and the SSRF guard applied. */
  fetch(url: string | URL, init?: RequestInit & { timeoutMs?: number }): Promise<Response>;
  /**
   * For connections that are not HTTP (a database): the address to connect to, checked by the same SSRF guard.
   * Connect to the address returned, not the name: a second lookup could answer differently (DNS rebinding).
   */
  resolveHost(host: string): Promise<string>;
}

/** The run owner's files; another user's file does not exist here (FILE_NOT_FOUND). */
export interface FileAccess {
  read(fileId: string): Promise<FileMeta & { content: ExtractedContent }>;
  write(file: { name: string; content: string | Uint8Array }): Promise<FileMeta>;
}

/** Search of the run owner's knowledge bases; another user's knowledge base does not exist here. */
export interface KnowledgeAccess {
  search(knowledgeBaseId: string, query: string, options: { topK: number; sourceIds?: string[] }): Promise<KnowledgeHit[]>;
}

/** A node's only door to the world. */
export interface NodeContext {
  runId: string;
  nodeId: string;
  attempt: number;
  /**
   * The same on every attempt of this node in this run (and loop item), different for every other: send it as the
   * other side's Idempotency-Key (http.request does on unsafe methods), so a retry after a lost worker repeats nothing.
   */
  idempotencyKey: string;
  /** Aborted when the run is stopped or the activity times out; long work must honour it. */
  signal: AbortSignal;
  /** Timeout the executor enforces on this node, so the node can bound its own I/O below it. */
  timeoutMs: number;
  log: NodeLogger;
  credentials: {
    /** Whether the workflow attached a credential to this slot. */
    has(slot: string): boolean;
    /** Decrypts the slot's credential (recorded in the access log); fails with MISSING_CREDENTIAL when none. */
    get(slot: string): Promise<{ type: string; values: CredentialValues }>;
  };
  http: HttpClient;
  /** Non-blocking progress ("Step 3/5"), shown live and kept in the node's log. */
  progress(message: string, fraction?: number): void;
  /** The run's owner (read when asked): sandboxes never let two owners share an interpreter. */
  owner?(): Promise<string | undefined>;
  /** The run owner's files (files.read, files.write; custom nodes). Absent where no file store is wired. */
  files?: FileAccess;
  /** The run owner's knowledge bases (knowledge.search, LLM context; custom nodes). */
  knowledge?: KnowledgeAccess;
}

/** What a pure node sees besides its input: evaluated inside the workflow, so no I/O and no clock but this one. */
export interface PureContext {
  /** Workflow time (deterministic on replay). */
  now: number;
  /** Every active incoming edge's value, in plan order: merge nodes need to know where each came from. */
  sources: { nodeId: string; handle: string; value: unknown }[];
}

export interface PureResult {
  output: unknown;
  /** Output handles that fire; default ['out']. IF fires 'true' or 'false', Switch a rule key or 'default'. */
  fire?: string[];
  /** Durable timer: the run sleeps until this time (workflow clock) before the node completes. */
  waitUntil?: number;
}

export interface NodeSpec<F extends Fields> {
  type: string;
  version: number;
  displayName: string;
  category: 'trigger' | 'flow' | 'data' | 'network' | 'code' | 'ai' | 'database' | 'human';
  description: string;
  kind: NodeKind;
  fields: F;
  /** Cross-field rules the per-field schemas cannot say. */
  refine?: (schema: z.ZodObject) => z.ZodType;
  inputs: HandleSpec[];
  outputs: HandleSpec[] | ((config: ConfigOf<F>) => HandleSpec[]);
  credentials?: CredentialSlotSpec[];
  operations(config: ConfigOf<F>): Operation[];
  /**
   * For external_api nodes: the hosts execute() would call, as far as the config says (the approval policy checks
   * them against the workflow's allowlist). Omitted or undefined: not known before the run.
   */
  hosts?(config: ConfigOf<F>): string[] | undefined;
  /**
   * When the node starts: 'any' (default) once every upstream node has settled and at least one incoming edge
   * delivered, 'all' only when every incoming edge delivered (otherwise it is skipped). A fact of the plan, decided
   * at compile time, so the interpreter never reads a node's config to schedule it.
   */
  join?(config: ConfigOf<F>): 'all' | 'any';
  defaults?: { timeoutMs?: number; retry?: Partial<RetrySettings> };
  /**
   * Activity nodes: whether the node runs as a local activity (in the workflow's worker, no server round trip) or
   * a regular one. Local suits work that is short by construction (see `localWithin`); long or heartbeat-dependent
   * work (LLM calls, anything with a long timeout) stays a regular activity. Decided at compile time from the config
   * and the node's resolved timeout; a document node may override it. Omitted: 'activity'.
   */
  execution?(config: ConfigOf<F>, limits: { timeoutMs: number }): NodeExecution;
  /**
   * The shape of the output (a JSON Schema subset, compiler/shapes.ts): fixed, or from the config and the input.
   * Omitted or undefined: unknown, and expressions reading it downstream are not checked.
   */
  outputShape?: Shape | ((config: ConfigOf<F>, context: ShapeContext) => Shape | undefined);
  /** Loop nodes: the shape of one item, on the `item` output (outputShape is `done`'s). Omitted: unknown. */
  itemShape?(config: ConfigOf<F>, context: ShapeContext): Shape | undefined;
  /** Side-effecting work; runs inside an activity. */
  execute?(input: unknown, config: ConfigOf<F>, context: NodeContext): Promise<unknown>;
  /**
   * Says concretely what execute() would do, for an approval ("This will delete 500 rows"), without doing it.
   * Nodes without it are described from their operations.
   */
  describe?(input: unknown, config: ConfigOf<F>, context: NodeContext): Promise<{ summary: string; details?: Record<string, unknown> }>;
  /** Pure nodes: deterministic, synchronous, no I/O; evaluated inside the workflow with no activity round trip. */
  evaluate?(input: unknown, config: ConfigOf<F>, context: PureContext): PureResult;
  /** Custom nodes (nodes/custom): the SHA-256 of the code this version runs; plans record it. */
  codeHash?: string;
  /** Custom nodes: why no new plan may use this type (disabled by its owner). */
  unavailable?: string;
}

export interface NodeDefinition<F extends Fields = Fields> extends NodeSpec<F> {
  configSchema: z.ZodType;
}

/**
 * The longest attempt a node type should run as a local activity. A local activity holds its workflow task open:
 * stop and pause requests reach the run when the attempt ends or when the worker heartbeats the task (every ~8 s).
 */
export const LOCAL_NODE_MAX_MS = 10_000;

/** Local when every bound given (a number; an expression is not known before the run) is within LOCAL_NODE_MAX_MS. */
export function localWithin(...bounds: unknown[]): NodeExecution {
  const known = bounds.filter((b): b is number => typeof b === 'number');
  return known.length > 0 && Math.min(...known) <= LOCAL_NODE_MAX_MS ? 'local' : 'activity';
}

export function defineNode<F extends Fields>(spec: NodeSpec<F>): NodeDefinition<F> {
  const base = schemaFromFields(spec.fields);
  return { ...spec, configSchema: spec.refine ? spec.refine(base) : base };
}

/** Parses config; the schema's output type is the one the fields declared. */
export function parseConfig<F extends Fields>(
  definition: NodeDefinition<F>,
  config: unknown,
): { ok: true; config: ConfigOf<F> } | { ok: false; issues: z.core.$ZodIssue[] } {
  const parsed = definition.configSchema.safeParse(config);
  return parsed.success ? { ok: true, config: parsed.data as ConfigOf<F> } : { ok: false, issues: parsed.error.issues };
}

/**
 * The CONFIG_INVALID error for what parseConfig refused: "path: message" per issue, joined by "; ". Human steps have
 * always reported the messages alone (`paths: false`); recorded runs carry that text, so it stays.
 */
export function configInvalid(issues: readonly z.core.$ZodIssue[], { paths = true }: { paths?: boolean } = {}): NodeError {
  return new NodeError('CONFIG_INVALID', issues.map((i) => (paths ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
}

/**
 * The compiler's view of a node: data only, no execute. The compiler calls outputs() and operations() only with
 * the result of its own configSchema parse, which is this definition's config type.
 */
export function toNodeTypeInfo<F extends Fields>(definition: NodeDefinition<F>): NodeTypeInfo {
  const { outputs, outputShape, itemShape } = definition;
  return {
    type: definition.type,
    version: definition.version,
    kind: definition.kind,
    inputs: definition.inputs,
    outputs: Array.isArray(outputs) ? () => outputs : (config) => outputs(config as ConfigOf<F>),
    credentials: definition.credentials ?? [],
    configSchema: definition.configSchema,
    operations: (config) => definition.operations(config as ConfigOf<F>),
    ...(definition.hosts ? { hosts: (config: Record<string, unknown>) => definition.hosts?.(config as ConfigOf<F>) } : {}),
    ...(definition.join ? { join: (config: Record<string, unknown>) => definition.join?.(config as ConfigOf<F>) ?? 'any' } : {}),
    ...(definition.defaults ? { defaults: definition.defaults } : {}),
    ...(definition.codeHash !== undefined ? { codeHash: definition.codeHash } : {}),
    ...(definition.unavailable !== undefined ? { unavailable: definition.unavailable } : {}),
    ...(definition.execution
      ? {
          execution: (config: Record<string, unknown>, limits: { timeoutMs: number }) =>
            definition.execution?.(config as ConfigOf<F>, limits) ?? 'activity',
        }
      : {}),
    ...(outputShape
      ? {
          // sameAsInput is passed as itself: the compiler recognises it and skips the call.
          outputShape:
            outputShape === sameAsInput
              ? sameAsInput
              : typeof outputShape === 'function'
                ? (config, context) => outputShape(config as ConfigOf<F>, context)
                : () => outputShape,
        }
      : {}),
    ...(itemShape
      ? { itemShape: (config: Record<string, unknown>, context: ShapeContext) => itemShape(config as ConfigOf<F>, context) }
      : {}),
    fieldTypes: fieldTypes(definition.fields),
  };
}

/** What each scalar field holds at run time, by its kind; json, code and expression fields hold anything. */
const VALUE_TYPES: Partial<Record<Fields[string]['kind'], FieldValueType>> = {
  string: 'string',
  select: 'string',
  number: 'number',
  boolean: 'boolean',
};
function fieldTypes(fields: Fields): Record<string, FieldValueType> {
  const types: Record<string, FieldValueType> = {};
  for (const [name, f] of Object.entries(fields)) {
    const t = VALUE_TYPES[f.kind];
    if (t) types[name] = t;
  }
  return types;
}
