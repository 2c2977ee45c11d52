// The node SDK: one declaration per node type, read alike by the compiler, the palette and the executor.
import type { z } from 'zod';
import type { CredentialSlotSpec, HandleSpec, NodeTypeInfo, RetrySettings } from '../compiler/catalog.js';

export type NodeKind = NodeTypeInfo['kind'];

export interface NodeLogger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** A node's only door to the world. */
export interface NodeContext {
  runId: string;
  nodeId: string;
  attempt: number;
  /** Aborted when the run is stopped or the activity times out; long work must honour it. */
  signal: AbortSignal;
  log: NodeLogger;
  /** Timeout the executor enforces on this node, so the node can bound its own I/O below it. */
  timeoutMs: number;
}

export interface NodeDefinition<Config = unknown> {
  type: string;
  version: number;
  displayName: string;
  category: 'trigger' | 'flow' | 'data' | 'network' | 'code' | 'ai' | 'database' | 'human';
  description: string;
  kind: NodeKind;
  configSchema: z.ZodType<Config>;
  inputs: HandleSpec[];
  outputs: HandleSpec[] | ((config: Config) => HandleSpec[]);
  credentials?: CredentialSlotSpec[];
  operations(config: Config): string[];
  defaults?: { timeoutMs?: number; retry?: Partial<RetrySettings> };
  /** Side-effecting work; runs inside an activity. Pure and trigger nodes are evaluated by the workflow. */
  execute?(input: unknown, config: Config, context: NodeContext): Promise<unknown>;
}

/** Keeps the Config type of a declaration while storing it in heterogeneous lists. */
export function defineNode<Config>(definition: NodeDefinition<Config>): NodeDefinition<Config> {
  return definition;
}

/** Config that failed its schema cannot be typed; treat it as an empty handle list rather than crash. */
function outputsOf<Config>(definition: NodeDefinition<Config>, config: Record<string, unknown>): HandleSpec[] {
  if (Array.isArray(definition.outputs)) return definition.outputs;
  const parsed = definition.configSchema.safeParse(config);
  return parsed.success ? definition.outputs(parsed.data) : [];
}

/** The compiler's view of a node: data only, no execute. */
export function toNodeTypeInfo<Config>(definition: NodeDefinition<Config>): NodeTypeInfo {
  return {
    type: definition.type,
    version: definition.version,
    kind: definition.kind,
    inputs: definition.inputs,
    outputs: (config) => outputsOf(definition, config),
    credentials: definition.credentials ?? [],
    configSchema: definition.configSchema,
    operations: (config) => {
      const parsed = definition.configSchema.safeParse(config);
      return parsed.success ? definition.operations(parsed.data) : [];
    },
    ...(definition.defaults ? { defaults: definition.defaults } : {}),
  };
}
