// The execution plan: what a run executes, deterministic and serialisable. Defined once, read by the workflow.
//
// Two shapes. What the compiler emits, hashes, stores with the run and hands to Temporal is the compact plan
// (schemaVersion 2): each edge appears once (as an output), node settings equal to the plan's `nodeDefaults` are
// left out, and empty fields are omitted, so a 10k-node plan is a third of the bytes. What the workflow and the API
// read is the expanded plan: every node with its inputs, outputs and full settings. `expandPlan` turns one into
// the other; plans stored before the compact shape existed (schemaVersion 1) are already expanded.
import { z } from 'zod';

const Endpoint = z.object({ nodeId: z.string(), handle: z.string(), edgeId: z.string() });
const RetrySchema = z.object({
  maxAttempts: z.number(),
  initialIntervalMs: z.number(),
  backoffCoefficient: z.number(),
  maxIntervalMs: z.number(),
});
const NodeSettingsSchema = z.object({
  timeoutMs: z.number(),
  retry: RetrySchema,
  onError: z.enum(['stop', 'continue', 'route', 'ask']),
  requiresApproval: z.boolean(),
  /** Supervision: flag the node when it runs longer than this without a sign of progress. */
  expectedMs: z.number().optional(),
  /**
   * Activity nodes: 'local' runs the node as a Temporal local activity. Absent means a regular activity, which is
   * how every plan compiled before local nodes existed runs, so stored plans need no rewriting.
   */
  execution: z.enum(['local', 'activity']).optional(),
});
const NodeKind = z.enum(['trigger', 'pure', 'activity', 'human', 'loop']);
const RunSettingsSchema = z.object({
  timeoutMs: z.number(),
  variables: z.record(z.string(), z.unknown()),
  maxNodeFailures: z.number().optional(),
  allowedHosts: z.array(z.string()).optional(),
});

export const PlanNodeSchema = z.object({
  id: z.string(),
  type: z.string(),
  typeVersion: z.number().int(),
  /** Custom nodes: the hash of the code the run executes (absent for built-ins, and in plans from before). */
  codeHash: z.string().optional(),
  name: z.string(),
  kind: NodeKind,
  config: z.record(z.string(), z.unknown()),
  credentials: z.record(z.string(), z.string()),
  inputs: z.array(z.object({ handle: z.string(), from: z.array(Endpoint) })),
  outputs: z.array(z.object({ handle: z.string(), to: z.array(Endpoint) })),
  /** The loop (flow.for_each) whose body this node is: the scheduler leaves it to the loop, which runs it per item. */
  parent: z.string().optional(),
  /** 'any': runs when at least one incoming edge delivered; 'all': only when every one did (else skipped). */
  join: z.enum(['any', 'all']),
  references: z.array(z.string()),
  operations: z.array(z.string()),
  settings: NodeSettingsSchema,
});

/**
 * A partial run (a test run from a node onward, with pinned data): which nodes start settled instead of running.
 * `pinned` nodes complete at once with the outputs the run was given (RunWorkflowInput.pinned), each firing the
 * outputs `fired` names for it (the branch a pinned logic.if or logic.switch took); `skipped` nodes never run.
 * Absent in every other plan, so plans and histories from before partial runs are unchanged; a partial plan from
 * before `fired` fires every output of its pinned nodes, as it did then.
 */
export const PartialRunSchema = z.object({
  fired: z.record(z.string(), z.array(z.string())).optional(),
  pinned: z.array(z.string()),
  skipped: z.array(z.string()),
});
export type PartialRun = z.infer<typeof PartialRunSchema>;

export const ExpandedPlanSchema = z.object({
  schemaVersion: z.union([z.literal(1), z.literal(2)]),
  name: z.string(),
  hash: z.string(),
  settings: RunSettingsSchema,
  triggers: z.array(z.string()),
  nodes: z.array(PlanNodeSchema),
  partial: PartialRunSchema.optional(),
});

/** A node of the compact plan: inputs are handle names (their edges are the other nodes' outputs). */
export const CompactNodeSchema = z.object({
  id: z.string(),
  type: z.string(),
  typeVersion: z.number().int(),
  codeHash: z.string().optional(),
  /** Omitted when it equals the id. */
  name: z.string().optional(),
  kind: NodeKind,
  config: z.record(z.string(), z.unknown()).optional(),
  credentials: z.record(z.string(), z.string()).optional(),
  inputs: z.array(z.string()),
  outputs: z.array(z.object({ handle: z.string(), to: z.array(Endpoint) })),
  join: z.enum(['any', 'all']),
  /** Omitted outside a loop's body; plans compiled before loops have none, and expand as they did. */
  parent: z.string().optional(),
  references: z.array(z.string()).optional(),
  operations: z.array(z.string()),
  /** Only what differs from the plan's nodeDefaults. */
  settings: NodeSettingsSchema.partial().optional(),
});

export const PlanSchema = z.object({
  schemaVersion: z.literal(2),
  name: z.string(),
  hash: z.string(),
  nodeDefaults: NodeSettingsSchema,
  settings: RunSettingsSchema,
  triggers: z.array(z.string()),
  nodes: z.array(CompactNodeSchema),
  partial: PartialRunSchema.optional(),
});

/** Whatever a run row or a workflow input may hold: a compact plan, or an expanded one from before it existed. */
export const StoredPlanSchema = z.union([PlanSchema, ExpandedPlanSchema.extend({ schemaVersion: z.literal(1) })]);

export type PlanNode = z.infer<typeof PlanNodeSchema>;
export type NodeSettings = z.infer<typeof NodeSettingsSchema>;
export type CompactNode = z.infer<typeof CompactNodeSchema>;
export type Plan = z.infer<typeof PlanSchema>;
export type ExpandedPlan = z.infer<typeof ExpandedPlanSchema>;
export type StoredPlan = z.infer<typeof StoredPlanSchema>;

/** The handle a loop (kind 'loop') sends each item on, into its body; its other outputs fire after all items. */
export const LOOP_ITEM_HANDLE = 'item';

/** The order of a handle's endpoints, in the compiled plan and in its expansion alike. */
export const byEdge = (a: { edgeId: string }, b: { edgeId: string }) => (a.edgeId < b.edgeId ? -1 : a.edgeId > b.edgeId ? 1 : 0);

/**
 * Plans compiled before node types declared their join say 'any' everywhere, and the interpreter then read a
 * node's `config.requireAll` itself (of any node; only logic.merge has it). Deriving the join from it here, once,
 * keeps stored plans and recorded histories behaving as they did; newer plans already say 'all' for these nodes.
 */
function joinOf(n: { join: 'any' | 'all'; config?: Record<string, unknown> | undefined }): 'any' | 'all' {
  return n.join === 'all' || n.config?.requireAll === true ? 'all' : 'any';
}

/**
 * The expanded form of a plan. Pure and deterministic (the workflow calls it on every replay): inputs are rebuilt
 * from the outputs that feed them, sorted by edge id as the compiler sorts outputs, settings from the defaults.
 */
export function expandPlan(plan: StoredPlan): ExpandedPlan {
  if (plan.schemaVersion === 1)
    return plan.nodes.some((n) => joinOf(n) !== n.join) ? { ...plan, nodes: plan.nodes.map((n) => ({ ...n, join: joinOf(n) })) } : plan;
  const incoming = new Map<string, Map<string, z.infer<typeof Endpoint>[]>>();
  for (const node of plan.nodes) {
    for (const output of node.outputs) {
      for (const to of output.to) {
        let handles = incoming.get(to.nodeId);
        if (!handles) incoming.set(to.nodeId, (handles = new Map()));
        const list = handles.get(to.handle);
        const from = { edgeId: to.edgeId, handle: output.handle, nodeId: node.id };
        if (list) list.push(from);
        else handles.set(to.handle, [from]);
      }
    }
  }
  const d = plan.nodeDefaults;
  const nodes = plan.nodes.map((n): PlanNode => {
    const handles = incoming.get(n.id);
    const s = n.settings;
    return {
      config: n.config ?? {},
      credentials: n.credentials ?? {},
      id: n.id,
      inputs: n.inputs.map((handle) => ({ from: (handles?.get(handle) ?? []).sort(byEdge), handle })),
      join: joinOf(n),
      kind: n.kind,
      name: n.name ?? n.id,
      operations: n.operations,
      outputs: n.outputs,
      ...(n.parent !== undefined ? { parent: n.parent } : {}),
      references: n.references ?? [],
      // The compact settings hold only keys with values (they are built by assignment and come through JSON).
      settings: s ? { ...d, ...s } : d,
      type: n.type,
      typeVersion: n.typeVersion,
      ...(n.codeHash !== undefined ? { codeHash: n.codeHash } : {}),
    };
  });
  return {
    hash: plan.hash,
    name: plan.name,
    nodes,
    ...(plan.partial ? { partial: plan.partial } : {}),
    schemaVersion: 2,
    settings: plan.settings,
    triggers: plan.triggers,
  };
}
