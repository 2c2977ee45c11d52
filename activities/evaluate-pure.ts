// The evaluatePure activity: a pure node whose data was offloaded (or whose output would be too large for
// workflow history) is evaluated here, with the same code the workflow uses, on the full values.
import type { Database } from '../db/client.js';
import type { PureResult } from '../nodes/sdk/node.js';
import { evaluatePureNode } from '../workflows/evaluate-pure.js';
import { EvaluatePureSchema, type EvaluatePure } from './contracts.js';
import { offload, resolvePayloads } from './payloads.js';

export function createEvaluatePure(db: Database) {
  return async function evaluatePure(raw: EvaluatePure): Promise<PureResult> {
    const { runId, node, input, sources, scope } = EvaluatePureSchema.parse(raw);
    const [fullInput, fullSources, fullScope] = await Promise.all([resolvePayloads(db, runId, input), resolvePayloads(db, runId, sources), resolvePayloads(db, runId, scope)]);
    const result = await evaluatePureNode(node as never, fullInput, { json: fullInput, node: fullScope.node, run: fullScope.run, vars: fullScope.vars }, fullSources);
    return { ...result, output: await offload(db, runId, node.id, result.output) };
  };
}
