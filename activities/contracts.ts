// Payloads that cross the Temporal boundary between the run workflow and Loom's activities.
// Both sides import these types; the activity side also validates what it receives.
import { z } from 'zod';
import { NODE_STATUSES, REQUEST_KINDS, RUN_STATUSES } from '../db/schema.js';
import { ErrorCodeSchema } from '../nodes/sdk/run-error-codes.js';

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

export const ExecuteNodeSchema = z.object({
  runId: z.string(),
  node: z.object({
    id: z.string(),
    type: z.string(),
    typeVersion: z.number().int(),
    config: z.record(z.string(), z.unknown()),
    credentials: z.record(z.string(), z.string()).default({}),
    settings: z.object({ timeoutMs: z.number(), retry: z.object({ maxAttempts: z.number() }), expectedMs: z.number().int().positive().optional() }),
  }),
  input: z.unknown(),
  /** Expression scope beyond the input: outputs of the nodes this one references, run metadata, variables. */
  scope: z
    .object({
      node: z.record(z.string(), z.unknown()).default({}),
      run: z.object({ id: z.string(), workflowId: z.string().optional() }),
      vars: z.record(z.string(), z.unknown()).default({}),
    })
    .optional(),
});
export type ExecuteNode = z.input<typeof ExecuteNodeSchema>;

const Option = z.object({ value: z.string(), label: z.string() });

export const OpenRequestSchema = z.object({
  id: z.string(),
  runId: z.string(),
  nodeId: z.string(),
  kind: z.enum(REQUEST_KINDS),
  question: z.string(),
  options: z.array(Option),
  allowFreeText: z.boolean(),
  details: z.unknown().optional(),
  timeoutAction: z.string(),
  expiresAt: z.number(),
  /** Who may answer and how many must approve; absent: the run's owner alone, one answer. */
  audience: z.object({ assignees: z.array(z.string()), requiredApprovals: z.number().int().min(1), forbidSelfApproval: z.boolean() }).optional(),
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
  node: z.object({ id: z.string(), name: z.string(), type: z.string(), typeVersion: z.number().int(), config: z.record(z.string(), z.unknown()), credentials: z.record(z.string(), z.string()).default({}), operations: z.array(z.string()) }),
  input: z.unknown(),
  scope: z.object({ node: z.record(z.string(), z.unknown()).default({}), run: z.object({ id: z.string(), workflowId: z.string().optional() }), vars: z.record(z.string(), z.unknown()).default({}) }),
});
export type DescribeNode = z.input<typeof DescribeNodeSchema>;

/** A human node's config, resolved where offloaded data can be read (the workflow holds only references to it). */
export const ResolveNodeConfigSchema = z.object({
  runId: z.string(),
  config: z.record(z.string(), z.unknown()),
  input: z.unknown(),
  scope: DescribeNodeSchema.shape.scope,
});
export type ResolveNodeConfig = z.input<typeof ResolveNodeConfigSchema>;

export const EvaluatePureSchema = z.object({
  runId: z.string(),
  /** A plan node; validated by the evaluator against its own definition. */
  node: z.object({ id: z.string(), type: z.string(), typeVersion: z.number().int() }).passthrough(),
  input: z.unknown(),
  sources: z.array(z.object({ nodeId: z.string(), handle: z.string(), value: z.unknown() })),
  scope: z.object({
    node: z.record(z.string(), z.unknown()).default({}),
    run: z.object({ id: z.string(), workflowId: z.string().optional() }),
    vars: z.record(z.string(), z.unknown()).default({}),
  }),
});
export type EvaluatePure = z.input<typeof EvaluatePureSchema>;
