// The node and credential types a worker and a gateway know. The compiler, the palette and the executor
// all read this one registry; custom nodes will join it the same way.
import { createCatalog, type NodeCatalog } from '../compiler/catalog.js';
import { javascriptNode, pythonNode } from './code/code-nodes.js';
import { httpApiKey, httpBasic, httpBearer } from './credentials/http.js';
import { ollamaApi, openAiApi } from './credentials/llm.js';
import { postgresCredential } from './credentials/postgres.js';
import { postgresNode } from './db/postgres.js';
import { readFileNode, writeFileNode } from './files/file-nodes.js';
import { forEachNode } from './flow/for-each.js';
import { knowledgeSearchNode } from './knowledge/search-node.js';
import { httpRequest } from './http-request.js';
import { ollamaNode } from './llm/ollama.js';
import { openAiNode } from './llm/openai.js';
import type { CredentialTypeDefinition } from './sdk/credentials.js';
import { toNodeTypeInfo, type NodeDefinition } from './sdk/node.js';
import { manualTrigger, scheduleTrigger, webhookTrigger } from './triggers.js';
import { HUMAN_NODES } from './human.js';
import { PURE_NODES } from './pure.js';

// Heterogeneous field types: each definition keeps its own where it was declared.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyNodeDefinition = NodeDefinition<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCredentialType = CredentialTypeDefinition<any>;

export const BUILTIN_NODES: readonly AnyNodeDefinition[] = [
  manualTrigger,
  webhookTrigger,
  scheduleTrigger,
  httpRequest,
  javascriptNode,
  pythonNode,
  openAiNode,
  ollamaNode,
  postgresNode,
  readFileNode,
  writeFileNode,
  knowledgeSearchNode,
  ...HUMAN_NODES,
  ...PURE_NODES,
  forEachNode,
];
export const BUILTIN_CREDENTIAL_TYPES: readonly AnyCredentialType[] = [
  httpBearer,
  httpBasic,
  httpApiKey,
  openAiApi,
  ollamaApi,
  postgresCredential,
];

export interface NodeRegistry {
  get(type: string, version: number): AnyNodeDefinition | undefined;
  all(): readonly AnyNodeDefinition[];
  credentialType(type: string): AnyCredentialType | undefined;
  credentialTypes(): readonly AnyCredentialType[];
  catalog: NodeCatalog;
}

export function createNodeRegistry(
  options: { nodes?: readonly AnyNodeDefinition[]; credentialTypes?: readonly AnyCredentialType[] } = {},
): NodeRegistry {
  const nodes = options.nodes ?? BUILTIN_NODES;
  const credentialTypes = options.credentialTypes ?? BUILTIN_CREDENTIAL_TYPES;
  const byKey = new Map(nodes.map((d) => [`${d.type}@${d.version}`, d]));
  const credentialsByType = new Map(credentialTypes.map((c) => [c.type, c]));
  return {
    get: (type, version) => byKey.get(`${type}@${version}`),
    all: () => nodes,
    credentialType: (type) => credentialsByType.get(type),
    credentialTypes: () => credentialTypes,
    catalog: createCatalog(nodes.map((d) => toNodeTypeInfo(d))),
  };
}
