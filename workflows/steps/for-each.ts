// Loop nodes (flow.for_each): the list from the node's `items`, checked against the bounds, run through the body
// (items.ts), and the results as the node's output on `done`. Under `stop` the first failed item fails the node
// (its onError then applies, as for any node); under `continue` a failed item's result is `{ error }`; under
// `collect` the output is `{ results, errors }`, with null where an item failed.
import { patched } from '@temporalio/workflow';
import { resolveConfig } from '../../nodes/expressions/evaluate.js';
import { forEachNode, MAX_ITEMS } from '../../nodes/flow/for-each.js';
import { WORKFLOW_STEPS_PER_NODE } from '../../nodes/runtime/evaluate-pure.js';
import { containsPayloadRef } from '../../nodes/runtime/payload-ref.js';
import { NodeError } from '../../nodes/sdk/errors.js';
import { configInvalid, parseConfig } from '../../nodes/sdk/node.js';
import { bookkeeping } from '../bookkeeping.js';
import { loopOutput, toSegments } from '../item-results.js';
import { IN_WORKFLOW_ITEMS, runChunks, runItems } from '../items.js';
import { loopBody, outerReferences, type ItemScope } from '../loop-body.js';
import type { NodeOutcome, StepContext, StepInput } from './outcome.js';

export async function forEachStep(ctx: StepContext, { node, input, scope, ref }: StepInput): Promise<NodeOutcome> {
  // Offloaded data is not in the workflow: the list is resolved in an activity, as a person's question is.
  const raw =
    containsPayloadRef(input) || containsPayloadRef(ref.node)
      ? await bookkeeping.resolveNodeConfig({ runId: ctx.runId, config: node.config, input, scope: ref })
      : await resolveConfig(node.config, scope, { allowance: { remaining: WORKFLOW_STEPS_PER_NODE } });
  const parsed = parseConfig(forEachNode, raw);
  if (!parsed.ok) throw configInvalid(parsed.issues);
  const { items, concurrency, onItemError: policy } = parsed.config;
  if (!Array.isArray(items))
    throw new NodeError('ITEMS_NOT_A_LIST', `For each needs a list of items, got ${items === null ? 'null' : typeof items}`);
  if (items.length > MAX_ITEMS)
    throw new NodeError('ITEMS_LIMIT', `The list has ${items.length} items; a loop takes at most ${MAX_ITEMS}`, {
      items: items.length,
      limit: MAX_ITEMS,
    });

  const body = loopBody(ctx.state.plan, node.id);
  // Behind a marker: what `$node.<loop>` reads in the body changed (the item now), and a branch may follow from it.
  const loopIsItem = body.nodes.some((n) => n.references.includes(node.id)) && patched('loop-node-is-item');
  const itemScope: ItemScope = { outer: outerReferences(body, ctx.state.states, loopIsItem), run: ref.run, vars: ref.vars };
  const spec = { items, offset: 0, concurrency, policy };
  // Chunks in child workflows are new commands: behind a marker, though only plans with loops reach this line.
  const outcome =
    items.length > IN_WORKFLOW_ITEMS && patched('for-each-child-chunks')
      ? await runChunks(ctx, body, itemScope, spec)
      : await runItems(ctx, body, itemScope, spec).then(async ({ results, ...rest }) => ({
          ...rest,
          segments: await toSegments(ctx.runId, node.id, results),
        }));
  if (outcome.stopped) {
    // The loop's error is the item's, saying which item and which body node failed.
    const { index, error } = outcome.stopped;
    const { nodeId, ...info } = error;
    return { kind: 'failed', error: { ...info, details: { ...info.details, item: index, ...(nodeId ? { nodeId } : {}) } } };
  }
  const output = await loopOutput(ctx.runId, node.id, outcome.segments, policy === 'collect' ? outcome.errors : undefined);
  return { kind: 'completed', output, fired: ['done'] };
}
