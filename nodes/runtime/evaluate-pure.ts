// Evaluates a pure node: expressions resolved, config validated, then the node's evaluate(). Shared by both sides:
// the workflow runs it in place, the evaluatePure activity on offloaded data and on expressions too long for the
// workflow. Part of the workflow bundle, so no Node built-ins here.
import type { PlanNode } from '../../compiler/plan.js';
import { isPending, resolveConfig, resolveConfigNow, type ExpressionBounds, type ExpressionScope } from '../expressions/evaluate.js';
import { pureNode } from '../pure.js';
import { NodeError } from '../sdk/errors.js';
import { configInvalid, parseConfig, type PureContext, type PureResult } from '../sdk/node.js';

type PureDefinition = NonNullable<ReturnType<typeof pureNode>>;

function definitionOf(node: PlanNode): PureDefinition {
  const definition = pureNode(node.type, node.typeVersion);
  if (!definition?.evaluate)
    throw new NodeError('UNKNOWN_NODE_TYPE', `No pure node type ${node.type}@${node.typeVersion} in this workflow build`);
  return definition;
}

function evaluateResolved(definition: PureDefinition, config: unknown, input: unknown, sources: PureContext['sources']): PureResult {
  const parsed = parseConfig(definition, config);
  if (!parsed.ok) throw configInvalid(parsed.issues);
  return definition.evaluate!(input, parsed.config, { now: Date.now(), sources });
}

export async function evaluatePureNode(
  node: PlanNode,
  input: unknown,
  scope: ExpressionScope,
  sources: PureContext['sources'],
  bounds: ExpressionBounds = {},
): Promise<PureResult> {
  const definition = definitionOf(node);
  const config = await resolveConfig(node.config, scope, bounds);
  return evaluateResolved(definition, config, input, sources);
}

/**
 * evaluatePureNode without a promise when its expressions need no JSONata (the workflow settles such a node in the
 * same pass, see workflows/steps/pure.ts); a promise otherwise. Errors are thrown, or rejected when pending.
 */
export function evaluatePureNow(
  node: PlanNode,
  input: unknown,
  scope: ExpressionScope,
  sources: PureContext['sources'],
  bounds: ExpressionBounds = {},
): PureResult | Promise<PureResult> {
  const definition = definitionOf(node);
  const config = resolveConfigNow(node.config, scope, bounds);
  return isPending(config)
    ? config.then((resolved) => evaluateResolved(definition, resolved, input, sources))
    : evaluateResolved(definition, config, input, sources);
}

/**
 * Steps expressions may take inside the workflow: per pure node, and for the whole run. Workflow code shares one
 * thread with every run on the worker, each step there costs far more than in an activity (the SDK tracks every
 * promise), and Temporal fails a workflow task that holds the thread for seconds, then retries it, forever. A pure
 * node past its allowance is handed to the evaluatePure activity, which has the full budget. Steps are counted,
 * not timed, so a replay decides the same.
 */
export const WORKFLOW_STEPS_PER_NODE = 1_000;
export const WORKFLOW_STEPS_PER_RUN = 5_000;

/** True when a pure node stopped only because of the workflow's smaller step budget: the activity may finish it. */
export function needsFullBudget(err: unknown): boolean {
  return err instanceof NodeError && err.code === 'EXPRESSION_LIMIT' && err.details?.limit === 'steps';
}
