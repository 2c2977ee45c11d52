// Test runs of part of a workflow: from a node onward, with the outputs of the nodes before it pinned (given by the
// caller, or taken from an earlier run of the same workflow). The compiler decides what runs (compiler/partial.ts);
// this reads the earlier run, then starts the run like any other (on Temporal, approvals and all), marked `test`.
import type { Diagnostic } from '../compiler/diagnostics.js';
import { planPartialRun } from '../compiler/partial.js';
import type { Plan } from '../compiler/plan.js';
import { resolvePayloads } from '../db/payload-store.js';
import { findRun, listNodeExecutions } from '../db/run-store.js';
import type { RunRow, WorkflowRow } from '../db/schema.js';
import { OrchestratorError } from './errors.js';
import { startRun, type RunStarterDeps } from './runs.js';

export interface PartialRunArgs {
  workflow: WorkflowRow;
  /** The workflow compiled as it stands. */
  plan: Plan;
  startAt?: string | undefined;
  /** Outputs given by the caller, by node id; the trigger's is the run's input. */
  pinned?: Record<string, unknown> | undefined;
  /** An earlier run of this workflow (the caller's) whose outputs (and input) stand in for what does not run. */
  fromRunId?: string | undefined;
  /** For a pinned node with several outputs (IF, Switch): the one (or ones) its data leaves by. */
  branches?: Record<string, string | string[]> | undefined;
  input?: unknown;
  startedBy: string;
}

/** What every partial run is recorded as: a test, whoever or whatever started it. */
export const TEST_TRIGGER = 'test';

export async function startPartialRun(
  deps: RunStarterDeps,
  args: PartialRunArgs,
): Promise<{ ok: true; run: RunRow } | { ok: false; errors: Diagnostic[] }> {
  const { workflow, plan } = args;
  const trigger = plan.nodes.find((n) => n.type === 'trigger.manual')?.id ?? (plan.triggers[0] as string);
  const given = args.pinned ?? {};
  const earlier = args.fromRunId ? await earlierOutputs(deps, workflow, args.fromRunId) : undefined;

  const partial = planPartialRun(plan, {
    startAt: args.startAt,
    pinned: Object.keys(given).filter((id) => id !== trigger),
    earlier: earlier ? [...earlier.outputs.keys()] : [],
    ...(earlier ? { earlierFired: earlier.fired } : {}),
    ...(args.branches
      ? { branches: Object.fromEntries(Object.entries(args.branches).map(([id, b]) => [id, typeof b === 'string' ? [b] : b])) }
      : {}),
    trigger,
  });
  if (!partial.ok) return partial;
  const pinned: Record<string, unknown> = {};
  for (const id of partial.plan.partial?.pinned ?? []) pinned[id] = id in given ? given[id] : earlier?.outputs.get(id);
  const input = trigger in given ? given[trigger] : (args.input ?? earlier?.input ?? {});
  const run = await startRun(deps, {
    workflow,
    plan: partial.plan,
    input,
    trigger: TEST_TRIGGER,
    startedBy: args.startedBy,
    triggerNodeId: trigger,
    pinned,
  });
  return { ok: true, run };
}

/**
 * The earlier run's input, its completed nodes' outputs, resolved (a payload belongs to its own run), and the
 * outputs those nodes fired where the run recorded them (the branch an IF took).
 */
async function earlierOutputs(deps: RunStarterDeps, workflow: WorkflowRow, runId: string) {
  // Another owner's run does not exist here, and a run of another workflow has nothing to lend this one.
  const run = await findRun(deps.db, runId, workflow.ownerId);
  if (!run || run.workflowId !== workflow.id) throw new OrchestratorError('NOT_FOUND', `Run ${runId} of workflow ${workflow.id} not found`);
  const outputs = new Map<string, unknown>();
  const fired: Record<string, string[]> = {};
  for (const row of await listNodeExecutions(deps.db, run.id)) {
    if (row.status !== 'completed') continue;
    outputs.set(row.nodeId, await resolvePayloads(deps.db, run.id, row.output));
    if (row.fired) fired[row.nodeId] = row.fired;
  }
  return { input: await resolvePayloads(deps.db, run.id, run.input), outputs, fired };
}
