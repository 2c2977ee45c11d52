// The node types one user may compile against and run: the built-ins and the custom versions visible to them
// (db/custom-node-store.ts), as one registry. The gateway compiles and lists the palette through `registryFor`; a
// worker finds the exact version a plan names through `runnable`, checking its code hash.
import type { CustomNodeRunner, CustomNodeVersion } from '../nodes/custom/definition.js';
import { definitionOf, isCustomType, withCustomNodes } from '../nodes/custom/registry.js';
import type { AnyNodeDefinition, NodeRegistry } from '../nodes/registry.js';
import type { Database } from './client.js';
import { findRunnableVersion, listVisibleVersions, type VisibleVersion } from './custom-node-store.js';

export interface OwnerNodes {
  /** The built-ins with every custom version the user may use (their own, and published ones). */
  registryFor(userId: string): Promise<NodeRegistry>;
  /**
   * The definition of a plan node's type for the run's owner: a built-in, or the exact custom version with the code
   * hash the plan recorded. Undefined when it is neither (deleted rows are kept, so that means not theirs or altered).
   */
  runnable(
    userId: string,
    node: { type: string; typeVersion: number; codeHash?: string | undefined },
  ): Promise<AnyNodeDefinition | undefined>;
}

export function customNodeVersionOf(row: VisibleVersion): CustomNodeVersion {
  return {
    type: row.type,
    version: row.version,
    language: row.sourceLanguage === 'python' ? 'python' : 'javascript',
    code: row.code,
    codeHash: row.codeHash,
    declaration: row.declaration,
    ...(row.disabled ? { disabled: true } : {}),
  };
}

export function createOwnerNodes(db: Database, base: NodeRegistry, run: CustomNodeRunner): OwnerNodes {
  return {
    async registryFor(userId) {
      const versions = await listVisibleVersions(db, userId);
      return withCustomNodes(base, versions.map(customNodeVersionOf), run);
    },
    async runnable(userId, node) {
      if (!isCustomType(node.type)) return base.get(node.type, node.typeVersion);
      const row = await findRunnableVersion(db, userId, node.type, node.typeVersion);
      if (!row || (node.codeHash !== undefined && row.codeHash !== node.codeHash)) return undefined;
      // A run finishes on its version even when the type was disabled since: only new plans are refused.
      return definitionOf({ ...customNodeVersionOf(row), disabled: false }, run);
    },
  };
}
