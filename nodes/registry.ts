// The built-in node types. The compiler, the palette and the executor all read this one list.
import { createCatalog, type NodeCatalog } from '../compiler/catalog.js';
import { httpRequest } from './http-request.js';
import { toNodeTypeInfo, type NodeDefinition } from './sdk/node.js';
import { manualTrigger } from './trigger-manual.js';

// Heterogeneous field types: each definition keeps its own where it was declared.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyNodeDefinition = NodeDefinition<any>;

export const BUILTIN_NODES: readonly AnyNodeDefinition[] = [manualTrigger, httpRequest];

export interface NodeRegistry {
  get(type: string, version: number): AnyNodeDefinition | undefined;
  all(): readonly AnyNodeDefinition[];
  catalog: NodeCatalog;
}

export function createNodeRegistry(definitions: readonly AnyNodeDefinition[] = BUILTIN_NODES): NodeRegistry {
  const byKey = new Map(definitions.map((d) => [`${d.type}@${d.version}`, d]));
  return {
    get: (type, version) => byKey.get(`${type}@${version}`),
    all: () => definitions,
    catalog: createCatalog(definitions.map((d) => toNodeTypeInfo(d))),
  };
}
