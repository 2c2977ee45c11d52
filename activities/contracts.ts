// Payloads that cross the Temporal boundary between the run workflow and Loom's activities.
// Both sides import these types; the activity side also validates what it receives.
import { z } from 'zod';
import { PlanNodeSchema, type StoredPlan } from '../compiler/plan.js';
import { NODE_STATUSES, REQUEST_KINDS, RUN_STATUSES } from '../db/schema.js';
import { ErrorCodeSchema } from '../nodes/sdk/run-error-codes.js';
import type { ExpressionScope } from '../nodes/expressions/evaluate.js';

export const NodeErrorInfoSchema = z.object({
  /** A node's or the run's code (nodes/sdk/error-codes.ts, run-error-codes.ts), or one the workflow's author chose. */
  code: ErrorCodeSchema,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
  /** The server asked to wait this long before trying again (Retry-After): a recovery "retry" waits for it. */
  retryAfterMs: z.number().int().nonnegative().optional(),
});
export type NodeErrorInfo = z.infer<typeof NodeErrorInfoSchema>;

export const NodeRecordSchema = z.object({
  nodeId: z.string(),
  nodeType: z.string(),
  status: z.enum(NODE_STATUSES),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  error: NodeErrorInfoSchema.optional(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  /** The output handles a completed node fired (the branch an IF took). */
  fired: z.array(z.string()).optional(),
});
export type NodeRecord = z.infer<typeof NodeRecordSchema>;

/** One bookkeeping call: a run status change and/or node results the workflow computed itself. */
export const RecordProgressSchema = z.object({
  runId: z.string(),
  run: z
    .object({
      status: z.enum(RUN_STATUSES),
      at: z.number(),
      /** Counts repeated transitions (the 2nd pause, the 2nd resume) so each gets its own event. */
      occurrence: z.number().int().min(0).default(0),
      output: z.unknown().optional(),
      error: NodeErrorInfoSchema.extend({ nodeId: z.string().optional() }).optional(),
    })
    .optional(),
  nodes: z.array(NodeRecordSchema).default([]),
});
export type RecordProgress = z.input<typeof RecordProgressSchema>;

/**
 * The expression scope a node sees beyond its input: outputs of the nodes it references, run metadata, variables.
 * Values in `node` may be payload references; the activity resolves them before evaluating.
 */
export const ScopeRefSchema = z.object({
  node: z.record(z.string(), z.unknown()).default({}),
  run: z.object({ id: z.string(), workflowId: z.string().optional() }),
  vars: z.record(z.string(), z.unknown()).default({}),
});
export type ScopeRef = z.input<typeof ScopeRefSchema>;
/** A scope reference as validated: defaults applied. */
export type ParsedScopeRef = z.output<typeof ScopeRefSchema>;

/** The expression scope of a node: its input as `$json`, the rest from its scope reference. */
export function expressionScope(json: unknown, scope: ParsedScopeRef): ExpressionScope {
  return { json, node: scope.node, run: scope.run, vars: scope.vars };
}

export const ExecuteNodeSchema = z.object({
  runId: z.string(),
  node: PlanNodeSchema.pick({ id: true, type: true, typeVersion: true, codeHash: true, config: true, credentials: true, settings: true }),
  input: z.unknown(),
  scope: ScopeRefSchema.optional(),
  /** The item of a loop this execution is for (a body node runs once per item): its own row, and no node events. */
  item: z.number().int().min(0).optional(),
});
export type ExecuteNode = z.input<typeof ExecuteNodeSchema>;

/** How far a loop is through its items: recorded after each chunk of a long list (workflows/items.ts). */
export const ItemsProgressSchema = z.object({
  runId: z.string(),
  nodeId: z.string(),
  done: z.number().int().min(0),
  total: z.number().int().min(0),
  failed: z.number().int().min(0),
});
export type ItemsProgress = z.infer<typeof ItemsProgressSchema>;

/**
 * A run of a loop's results, in item order: inline, or stored as one payload when large (its reference and how many
 * results it holds). A loop's output travels as segments so no history event carries more than a slice of it.
 */
export const ItemSegmentSchema = z.union([
  z.object({ values: z.array(z.unknown()) }),
  z.object({ stored: z.unknown(), count: z.number().int().min(0) }),
]);
export type ItemSegment = z.infer<typeof ItemSegmentSchema>;

export const StoreItemsSchema = z.object({ runId: z.string(), nodeId: z.string(), values: z.array(z.unknown()) });
export type StoreItems = z.infer<typeof StoreItemsSchema>;

/** The loop's output from its segments: the results (and, under collect, the errors), stored when large. */
export const JoinItemsSchema = z.object({
  runId: z.string(),
  nodeId: z.string(),
  segments: z.array(ItemSegmentSchema),
  errors: z.array(z.object({ index: z.number().int(), error: z.unknown() })).optional(),
});
export type JoinItems = z.infer<typeof JoinItemsSchema>;

/** One answer a person may choose: what the run receives, and what the person reads. */
export const RequestOptionSchema = z.object({ value: z.string(), label: z.string() });

export const OpenRequestSchema = z.object({
  id: z.string(),
  runId: z.string(),
  nodeId: z.string(),
  kind: z.enum(REQUEST_KINDS),
  question: z.string(),
  options: z.array(RequestOptionSchema),
  allowFreeText: z.boolean(),
  details: z.unknown().optional(),
  timeoutAction: z.string(),
  expiresAt: z.number(),
  /** Who may answer and how many must approve; absent: the run's owner alone, one answer. */
  audience: z
    .object({ assignees: z.array(z.string()), requiredApprovals: z.number().int().min(1), forbidSelfApproval: z.boolean() })
    .optional(),
});
export type OpenRequest = z.input<typeof OpenRequestSchema>;

export const CloseRequestSchema = z.object({
  id: z.string(),
  runId: z.string(),
  nodeId: z.string(),
  status: z.enum(['answered', 'expired']),
  question: z.string(),
  answer: z.unknown().optional(),
  by: z.string(),
  via: z.string(),
  at: z.number(),
  openedAt: z.number(),
  timeoutAction: z.string(),
});
export type CloseRequest = z.input<typeof CloseRequestSchema>;

export const DescribeNodeSchema = z.object({
  runId: z.string(),
  node: PlanNodeSchema.pick({
    id: true,
    name: true,
    type: true,
    typeVersion: true,
    codeHash: true,
    config: true,
    credentials: true,
    operations: true,
  }),
  input: z.unknown(),
  scope: ScopeRefSchema,
});
export type DescribeNode = z.input<typeof DescribeNodeSchema>;

/** A human node's config, resolved where offloaded data can be read (the workflow holds only references to it). */
export const ResolveNodeConfigSchema = z.object({
  runId: z.string(),
  config: PlanNodeSchema.shape.config,
  input: z.unknown(),
  scope: ScopeRefSchema,
});
export type ResolveNodeConfig = z.input<typeof ResolveNodeConfigSchema>;

export const EvaluatePureSchema = z.object({
  runId: z.string(),
  /** The whole plan node: the evaluator is the workflow's own code, which reads the node as the plan has it. */
  node: PlanNodeSchema,
  input: z.unknown(),
  sources: z.array(z.object({ nodeId: z.string(), handle: z.string(), value: z.unknown() })),
  scope: ScopeRefSchema,
});
export type EvaluatePure = z.input<typeof EvaluatePureSchema>;

/**
 * A part of the state a run carries into its next execution (workflows/carry-over.ts), stored when too large to
 * travel inline: the JSON text, cut in parts each well under Temporal's 2 MB payload limit.
 */
export const StoreCarriedPartSchema = z.object({ runId: z.string(), part: z.string() });
export type StoreCarriedPart = z.input<typeof StoreCarriedPartSchema>;
export const LoadCarriedPartSchema = z.object({
  runId: z.string(),
  ref: z.object({ $loomRef: z.string(), size: z.number(), preview: z.string() }),
});
export type LoadCarriedPart = z.input<typeof LoadCarriedPartSchema>;

/**
 * What a schedule's action starts with (the `loomScheduledRun` workflow's input): the workflow, its owner, the
 * version that was active when the schedule was written, and the trigger that fires.
 */
export const ScheduledTickSchema = z.object({
  workflowId: z.string(),
  ownerId: z.string(),
  version: z.number().int().positive(),
  triggerNodeId: z.string(),
  /** The history budget of each run's execution, as the gateway was configured when it wrote the schedule. */
  historyEvents: z.number().int().positive().optional(),
});
export type ScheduledTick = z.infer<typeof ScheduledTickSchema>;

/** The tick as its activity sees it: which Temporal execution it is (the run id derives from it) and its time. */
export const PrepareScheduledRunSchema = ScheduledTickSchema.extend({
  tickWorkflowId: z.string(),
  scheduledAt: z.string(),
});
export type PrepareScheduledRun = z.infer<typeof PrepareScheduledRunSchema>;

/** A run to start as the tick's child, or why none starts (the workflow was deactivated, deleted or moved on). */
export type PreparedScheduledRun =
  | { kind: 'skipped'; reason: string }
  | {
      kind: 'start';
      runId: string;
      temporalWorkflowId: string;
      workflowName: string;
      /** As stored with the run (`StoredPlan`, compiler/plan.ts). */
      plan: StoredPlan;
      planHash: string;
      /** The trigger's output, or a reference to it when large. */
      input: unknown;
    };
