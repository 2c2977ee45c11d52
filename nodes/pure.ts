// The pure node types: the workflow evaluates these itself (deterministic, no I/O). Only modules free of Node
// built-ins may be imported here: this file is part of the workflow bundle.
import { setNode } from './data/set.js';
import { noopNode, stopErrorNode, waitNode } from './flow/basic.js';
import { batchNode } from './flow/batch.js';
import { ifNode } from './logic/if.js';
import { mergeNode } from './logic/merge.js';
import { switchNode } from './logic/switch.js';
import type { NodeDefinition } from './sdk/node.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const PURE_NODES: readonly NodeDefinition<any>[] = [
  ifNode,
  switchNode,
  mergeNode,
  setNode,
  noopNode,
  stopErrorNode,
  waitNode,
  batchNode,
];

const byKey = new Map(PURE_NODES.map((d) => [`${d.type}@${d.version}`, d]));

export function pureNode(type: string, version: number) {
  return byKey.get(`${type}@${version}`);
}
