// Evaluates a pure node inside the workflow: expressions resolved, config validated, then the node's evaluate().
import type { PlanNode } from '../compiler/plan.js';
import { resolveConfig, type ExpressionScope } from '../nodes/expressions/evaluate.js';
import { pureNode } from '../nodes/pure.js';
import { NodeError } from '../nodes/sdk/errors.js';
import type { PureContext, PureResult } from '../nodes/sdk/node.js';

export async function evaluatePureNode(node: PlanNode, input: unknown, scope: ExpressionScope, sources: PureContext['sources']): Promise<PureResult> {
  const definition = pureNode(node.type, node.typeVersion);
  if (!definition?.evaluate) throw new NodeError('UNKNOWN_NODE_TYPE', `No pure node type ${node.type}@${node.typeVersion} in this workflow build`);
  const config = await resolveConfig(node.config, scope);
  const parsed = definition.configSchema.safeParse(config);
  if (!parsed.success) throw new NodeError('CONFIG_INVALID', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  // The schema was derived from the definition's own fields, so its output is that definition's config type.
  return definition.evaluate(input, parsed.data as never, { now: Date.now(), sources });
}
