// What a step module receives and what it ends with. One NodeOutcome per node, applied by the scheduler (run.ts),
// which also turns an error a step throws into `failed`: no step settles a node itself.
import type { NodeErrorInfo } from '../../activities/contracts.js';
import type { PlanNode } from '../../compiler/plan.js';
import type { ExpressionScope } from '../../nodes/expressions/evaluate.js';
import type { HumanWaits } from '../human-waits.js';
import type { NodeScope, RunState, Source } from '../run-state.js';

export type NodeOutcome =
  /** Output and the handles it fires; the node's record (input, output, times) is written from them. */
  | { kind: 'completed'; output: unknown; fired: string[] }
  /** The node's error, handled by its onError policy (stop, continue, route). */
  | { kind: 'failed'; error: NodeErrorInfo }
  /** A person said no, or nobody answered and the safe default applied: the node is skipped, the run cancelled. */
  | { kind: 'refused'; reason: NodeErrorInfo };

export interface StepContext {
  runId: string;
  state: RunState;
  human: HumanWaits;
}

export interface StepInput {
  node: PlanNode;
  /** The one active source's value, or all of them (a join) in plan order. */
  input: unknown;
  sources: Source[];
  /** What the node's expressions read here, and (`ref`) what an activity is sent to read the same. */
  scope: ExpressionScope;
  ref: NodeScope;
  /** In a loop's body: the index of the item this execution is for. */
  item?: number;
}

export type Step = (ctx: StepContext, step: StepInput) => Promise<NodeOutcome>;
