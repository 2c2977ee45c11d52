// Activities that read a node's config where offloaded data can be read (the workflow holds only references to it):
// `describeNode` says what a node is about to do, so an approval can say it concretely; `resolveNodeConfig`
// resolves a human node's config. An expression that fails here fails the same way on every attempt, so a node's
// own error fails the activity as executeNode's do (node-failure.ts), never retried forever by the bookkeeping
// retry policy.
import { Context } from '@temporalio/activity';
import { resolvePayloads } from '../db/payload-store.js';
import { resolveConfig } from '../nodes/expressions/evaluate.js';
import { parseConfig } from '../nodes/sdk/node.js';
import {
  DescribeNodeSchema,
  expressionScope,
  ResolveNodeConfigSchema,
  type DescribeNode,
  type ParsedScopeRef,
  type ResolveNodeConfig,
} from './contracts.js';
import { buildNodeContext, type NodeContextDeps } from './node-context.js';
import { definitionForRun, type NodeDefinitionDeps } from './node-definitions.js';
import { failureOf } from './node-failure.js';

export function createNodePreviewActivities(deps: NodeContextDeps & NodeDefinitionDeps) {
  const { db } = deps;

  /** A config resolved against the full values of offloaded data; a node's own error becomes its failure. */
  async function resolveFull(runId: string, config: Record<string, unknown>, input: unknown, scope: ParsedScopeRef) {
    const json = await resolvePayloads(db, runId, input);
    const node = await resolvePayloads(db, runId, scope.node);
    try {
      return { json, config: await resolveConfig(config, expressionScope(json, { ...scope, node })) };
    } catch (err) {
      throw failureOf(err);
    }
  }

  async function describeNode(raw: DescribeNode): Promise<{ summary: string; details?: Record<string, unknown> }> {
    const { runId, node, input, scope } = DescribeNodeSchema.parse(raw);
    const definition = await definitionForRun(deps, runId, node);
    const fallback = { summary: `"${node.name}" (${node.type}) will ${node.operations.join(', ').replaceAll('_', ' ') || 'run'}` };
    if (!definition?.describe) return fallback;
    const { json: fullInput, config } = await resolveFull(runId, node.config, input, scope);
    const parsed = parseConfig(definition, config);
    if (!parsed.ok) return fallback;
    const ctx = Context.current();
    const context = buildNodeContext(deps, {
      runId,
      nodeId: node.id,
      nodeType: node.type,
      attempt: 1,
      signal: ctx.cancellationSignal,
      timeoutMs: 30_000,
      credentials: node.credentials,
      accepted: {},
    });
    try {
      return await definition.describe(fullInput, parsed.config, context);
    } catch (err) {
      return { ...fallback, details: { describeFailed: err instanceof Error ? err.message : String(err) } };
    }
  }

  async function resolveNodeConfig(raw: ResolveNodeConfig): Promise<unknown> {
    const { runId, config, input, scope } = ResolveNodeConfigSchema.parse(raw);
    return (await resolveFull(runId, config, input, scope)).config;
  }

  return { describeNode, resolveNodeConfig };
}
