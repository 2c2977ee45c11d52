// What the compiler knows about node types: data handed in by the node SDK, never imported from nodes/.
import type { z } from 'zod';
import type { Shape } from './shapes.js';

export type HandleDataType = 'json' | 'text' | 'binary' | 'any';
export interface HandleSpec {
  name: string;
  dataType: HandleDataType;
}
export interface CredentialSlotSpec {
  slot: string;
  types: string[];
  required: boolean;
}
export interface RetrySettings {
  maxAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maxIntervalMs: number;
}
export interface NodeTypeInfo {
  type: string;
  version: number;
  /**
   * pure: evaluated inside the workflow; activity: side effects in a Temporal activity; human: a durable wait for a
   * person; loop: runs the nodes whose `parent` it is once per item of a list (flow.for_each).
   */
  kind: 'trigger' | 'pure' | 'activity' | 'human' | 'loop';
  inputs: HandleSpec[];
  /** Called only with a config that passed configSchema (the compiler's own parse result). */
  outputs(config: Record<string, unknown>): HandleSpec[];
  credentials: CredentialSlotSpec[];
  configSchema: z.ZodType;
  /** Called only with a config that passed configSchema. */
  operations(config: Record<string, unknown>): string[];
  /** The hosts an external_api node calls, as far as its config says; undefined: chosen at run time. */
  hosts?(config: Record<string, unknown>): string[] | undefined;
  /** How the node joins its incoming edges (see PlanNode.join); undefined: 'any'. Called only with a valid config. */
  join?(config: Record<string, unknown>): 'all' | 'any';
  defaults?: { timeoutMs?: number; retry?: Partial<RetrySettings> };
  /**
   * Activity nodes: 'local' runs the node as a Temporal local activity (no server round trip; for short work),
   * 'activity' as a regular one. Called with a valid config and the node's resolved timeout; undefined: 'activity'.
   */
  execution?(config: Record<string, unknown>, limits: { timeoutMs: number }): NodeExecution;
  /** Custom nodes: the SHA-256 of the code this version runs, recorded in the plan so a run gets exactly that code. */
  codeHash?: string;
  /** Why no new plan may use this type (a custom node its owner disabled): the compiler reports NODE_TYPE_DISABLED. */
  unavailable?: string;
  /**
   * The shape of the node's output (JSON Schema subset, compiler/shapes.ts), from its config and what flows in.
   * Called only with a valid config. Absent or undefined: unknown, and nothing downstream is checked against it
   * (custom nodes, code nodes that declare nothing).
   */
  outputShape?(config: Record<string, unknown>, context: ShapeContext): Shape | undefined;
  /**
   * Loop nodes: the shape of one item, which the `item` output carries into the body (the output shape is what
   * `done` carries). Called only with a valid config; absent or undefined: unknown.
   */
  itemShape?(config: Record<string, unknown>, context: ShapeContext): Shape | undefined;
  /** The JSON type each scalar config field holds once its expressions are evaluated, for TYPE_MISMATCH. */
  fieldTypes?: Readonly<Record<string, FieldValueType>>;
}
/**
 * The output shape of a node that passes its input on (IF, Switch, No-op, Wait, an approval). The data-flow pass
 * knows it by identity and hands the input on without calling anything: most nodes of a large graph are these.
 */
export const sameAsInput = (_config: Record<string, unknown>, context: ShapeContext): Shape | undefined => context.input;

/** What a config field holds at run time (the node SDK derives it from the field's kind). */
export type FieldValueType = 'string' | 'number' | 'boolean';
/** What a node type's output shape may depend on besides its config. */
export interface ShapeContext {
  /** The node's input (several incoming edges: one value, or the list of those that delivered). */
  input: Shape | undefined;
  /** Each incoming edge's source and the shape it delivers, in edge order. */
  sources: { nodeId: string; shape: Shape | undefined }[];
  /** The shape of a config value as the node will see it: a literal's own, an expression's inferred value. */
  valueShape(value: unknown): Shape | undefined;
}
/** How an activity node runs: see NodeTypeInfo.execution and PlanNode settings.execution. */
export type NodeExecution = 'local' | 'activity';
export interface NodeCatalog {
  get(type: string, version?: number): NodeTypeInfo | undefined;
  has(type: string): boolean;
}
/** The user's credentials: ids and types only, never secrets. */
export interface CredentialRef {
  id: string;
  type: string;
}
export interface CompileContext {
  catalog: NodeCatalog;
  credentials: CredentialRef[];
  sensitiveOperations?: string[];
}

/** Builds a catalog; a lookup without a version gets the latest version of the type. */
export function createCatalog(infos: NodeTypeInfo[]): NodeCatalog {
  const byType = new Map<string, Map<number, NodeTypeInfo>>();
  for (const info of infos) {
    const versions = byType.get(info.type) ?? new Map<number, NodeTypeInfo>();
    versions.set(info.version, info);
    byType.set(info.type, versions);
  }
  // Most nodes name no version: the latest of each type is found once, not once per node.
  const latest = new Map<string, NodeTypeInfo>();
  for (const [type, versions] of byType) latest.set(type, versions.get(Math.max(...versions.keys())) as NodeTypeInfo);
  return {
    has: (type) => byType.has(type),
    get: (type, version) => (version === undefined ? latest.get(type) : byType.get(type)?.get(version)),
  };
}
