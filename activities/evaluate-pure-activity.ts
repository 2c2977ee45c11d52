// The evaluatePure activity: a pure node whose data was offloaded (or whose output would be too large for
// workflow history, or whose expressions need more steps than the workflow allows) is evaluated here, with the same
// code the workflow uses, on the full values.
import type { Database } from '../db/client.js';
import { offload, resolvePayloads } from '../db/payload-store.js';
import type { PureResult } from '../nodes/sdk/node.js';
import { evaluatePureNode } from '../nodes/runtime/evaluate-pure.js';
import { EvaluatePureSchema, expressionScope, type EvaluatePure } from './contracts.js';
import { failureOf } from './node-failure.js';

export function createEvaluatePure(db: Database) {
  return async function evaluatePure(raw: EvaluatePure): Promise<PureResult> {
    const { runId, node, input, sources, scope } = EvaluatePureSchema.parse(raw);
    const [fullInput, fullSources, fullScope] = await Promise.all([
      resolvePayloads(db, runId, input),
      resolvePayloads(db, runId, sources),
      resolvePayloads(db, runId, scope),
    ]);
    let result: PureResult;
    try {
      result = await evaluatePureNode(node, fullInput, expressionScope(fullInput, fullScope), fullSources);
    } catch (err) {
      // The node's own failure, as the workflow records it (errorInfo reads the details); a bad expression fails
      // the same way on every attempt, so only what the node's error table calls retryable is retried.
      throw failureOf(err);
    }
    return { ...result, output: await offload(db, runId, node.id, result.output) };
  };
}
