// The evaluatePure activity: a pure node whose data was offloaded (or whose output would be too large for
// workflow history, or whose expressions need more steps than the workflow allows) is evaluated here, with the same
// code the workflow uses, on the full values.
import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '../db/client.js';
import { NodeError } from '../nodes/sdk/errors.js';
import type { PureResult } from '../nodes/sdk/node.js';
import { evaluatePureNode } from '../nodes/runtime/evaluate-pure.js';
import { EvaluatePureSchema, type EvaluatePure } from './contracts.js';
import { offload, resolvePayloads } from './payloads.js';

export function createEvaluatePure(db: Database) {
  return async function evaluatePure(raw: EvaluatePure): Promise<PureResult> {
    const { runId, node, input, sources, scope } = EvaluatePureSchema.parse(raw);
    const [fullInput, fullSources, fullScope] = await Promise.all([resolvePayloads(db, runId, input), resolvePayloads(db, runId, sources), resolvePayloads(db, runId, scope)]);
    let result: PureResult;
    try {
      result = await evaluatePureNode(node as never, fullInput, { json: fullInput, node: fullScope.node, run: fullScope.run, vars: fullScope.vars }, fullSources);
    } catch (err) {
      // The node's own failure, as the workflow records it (errorInfo reads the details); a bad expression fails
      // the same way on every attempt, so only what the node's error table calls retryable is retried.
      if (!(err instanceof NodeError)) throw err;
      const info = { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) };
      throw ApplicationFailure.create({ message: err.message, type: err.code, nonRetryable: !err.retryable, details: [info] });
    }
    return { ...result, output: await offload(db, runId, node.id, result.output) };
  };
}
