// Which definition runs a plan node: a built-in from the worker's registry, or the exact custom version the plan was
// compiled with (its code hash checked), looked up for the run's owner: a private node of another user never runs.
import type { OwnerNodes } from '../db/custom-node-registry.js';
import type { Database } from '../db/client.js';
import { findRun } from '../db/run-store.js';
import { isCustomType } from '../nodes/custom/registry.js';
import type { AnyNodeDefinition, NodeRegistry } from '../nodes/registry.js';

export interface NodeDefinitionDeps {
  db: Database;
  nodes: NodeRegistry;
  owners: OwnerNodes;
}

export async function definitionForRun(
  deps: NodeDefinitionDeps,
  runId: string,
  node: { type: string; typeVersion: number; codeHash?: string | undefined },
): Promise<AnyNodeDefinition | undefined> {
  if (!isCustomType(node.type)) return deps.nodes.get(node.type, node.typeVersion);
  const run = await findRun(deps.db, runId);
  return run ? deps.owners.runnable(run.ownerId, node) : undefined;
}
