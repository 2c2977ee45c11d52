// Node positions for a document Loom wrote (a model's coordinates are never kept): a layered DAG layout, left to right.
// Layers are longest paths from the nodes nothing enters (the triggers); within a layer, nodes are ordered by the
// barycenter of their neighbours in a few alternating sweeps, which removes most crossings at O(E + N log N) a sweep.
// Loop bodies (nodes with `parent`) are laid out in the same layers, after their loop's `item` edge; whatever follows
// the loop on its other outputs is placed after the body's last layer, so the body reads as running "inside" it.
// Cycles and dangling edges are the compiler's to report: a cycle is broken at its first node in document order and
// an edge to a missing node is ignored, so layout always terminates with every node placed.
import type { WorkflowDocument } from '../../compiler/document.js';

export const LAYER_SPACING = 280;
export const ROW_SPACING = 140;
const SWEEPS = ['down', 'up', 'down'] as const;

interface Arc {
  to: number;
  /** 0 for the edges into a loop's end marker, which takes its body's last layer rather than the next one. */
  weight: 0 | 1;
}

export function layoutDocument<D extends WorkflowDocument>(document: D): D {
  const copy = structuredClone(document);
  const nodes = copy.nodes;
  const n = nodes.length;
  const indexOf = new Map<string, number>();
  nodes.forEach((node, i) => {
    if (!indexOf.has(node.id)) indexOf.set(node.id, i);
  });

  // Vertices 0..n-1 are the nodes; n.. are loop end markers (never placed).
  const out: Arc[][] = Array.from({ length: n }, () => []);
  const preds: number[][] = Array.from({ length: n }, () => []);
  const arc = (from: number, to: number, weight: 0 | 1) => {
    out[from]!.push({ to, weight });
    preds[to]!.push(from);
  };
  for (const e of copy.edges) {
    const s = indexOf.get(e.source);
    const t = indexOf.get(e.target);
    if (s !== undefined && t !== undefined && s !== t) arc(s, t, 1);
  }
  addLoopEnds(copy, indexOf, out, preds, arc);

  const layer = longestPathLayers(out, preds);
  const layers = groupLayers(copy, layer);
  const rank = orderLayers(layers, layer, preds, out, n);

  const widest = Math.max(0, ...layers.map((l) => l.length));
  for (const members of layers) {
    // Centred on the widest layer, so a single node sits level with the middle of a fan-out.
    const offset = (widest - members.length) / 2;
    for (const v of members) nodes[v]!.position = { x: layer[v]! * LAYER_SPACING, y: (rank[v]! + offset) * ROW_SPACING };
  }
  return copy;
}

/** Per loop: its body's exits (no outgoing edge) lead to a marker, and the marker to the loop's targets outside the body. */
function addLoopEnds(
  doc: WorkflowDocument,
  indexOf: Map<string, number>,
  out: Arc[][],
  preds: number[][],
  arc: (from: number, to: number, weight: 0 | 1) => void,
): void {
  const bodies = new Map<number, number[]>();
  doc.nodes.forEach((node, i) => {
    const loop = node.parent === undefined ? undefined : indexOf.get(node.parent);
    if (loop === undefined || loop === i || indexOf.get(node.id) !== i) return;
    const members = bodies.get(loop);
    if (members) members.push(i);
    else bodies.set(loop, [i]);
  });
  for (const [loop, members] of [...bodies].sort(([a], [b]) => a - b)) {
    const inBody = new Set(members);
    const after = out[loop]!.filter((a) => !inBody.has(a.to)).map((a) => a.to);
    const exits = members.filter((m) => out[m]!.length === 0);
    if (after.length === 0 || exits.length === 0) continue;
    const marker = out.length;
    out.push([]);
    preds.push([]);
    for (const m of exits) arc(m, marker, 0);
    for (const t of after) arc(marker, t, 1);
  }
}

/** Kahn's order; when only cycles remain, the lowest-index unvisited vertex is taken and its unvisited predecessors ignored. */
function longestPathLayers(out: Arc[][], preds: number[][]): number[] {
  const total = out.length;
  const indegree = preds.map((p) => p.length);
  const layer = new Array<number>(total).fill(0);
  const visited = new Array<boolean>(total).fill(false);
  const queue: number[] = [];
  for (let v = 0; v < total; v++) if (indegree[v] === 0) queue.push(v);
  let head = 0;
  let nextForced = 0;
  let done = 0;
  while (done < total) {
    if (head === queue.length) {
      // The queue is spent, so every unvisited vertex waits on a cycle.
      while (visited[nextForced]) nextForced++;
      queue.push(nextForced);
    }
    const v = queue[head++]!;
    if (visited[v]) continue;
    visited[v] = true;
    done++;
    for (const { to, weight } of out[v]!) {
      if (visited[to]) continue;
      layer[to] = Math.max(layer[to]!, layer[v]! + weight);
      if (--indegree[to]! === 0) queue.push(to);
    }
  }
  return layer;
}

function groupLayers(doc: WorkflowDocument, layer: number[]): number[][] {
  const layers: number[][] = [];
  doc.nodes.forEach((_, v) => (layers[layer[v]!] ??= []).push(v));
  // Layers are dense (a node on layer k > 0 has a predecessor on k - 1, or on k through a loop's marker).
  const isTrigger = (v: number) => (doc.nodes[v]!.type.startsWith('trigger.') ? 0 : 1);
  return Array.from(layers, (members) => (members ?? []).sort((a, b) => isTrigger(a) - isTrigger(b) || a - b));
}

/** Barycenter sweeps; ties keep the previous order, so the result depends only on the document. */
function orderLayers(layers: number[][], layer: number[], preds: number[][], out: Arc[][], n: number): number[] {
  const rank = new Array<number>(n).fill(0);
  for (const members of layers) members.forEach((v, i) => (rank[v] = i));
  const succ: number[][] = Array.from({ length: n }, (_, v) => out[v]!.map((a) => a.to).filter((t) => t < n));
  for (const direction of SWEEPS) {
    const sequence = layers.map((_, i) => i);
    if (direction === 'up') sequence.reverse();
    for (const l of sequence) {
      const members = layers[l]!;
      const neighbours = direction === 'down' ? preds : succ;
      const key = new Map<number, number>();
      for (const v of members) {
        let sum = 0;
        let count = 0;
        for (const u of neighbours[v] ?? []) {
          if (u >= n || (direction === 'down' ? layer[u]! >= l : layer[u]! <= l)) continue;
          sum += rank[u]!;
          count++;
        }
        key.set(v, count === 0 ? rank[v]! : sum / count);
      }
      members.sort((a, b) => key.get(a)! - key.get(b)! || rank[a]! - rank[b]! || a - b);
      members.forEach((v, i) => (rank[v] = i));
    }
  }
  return rank;
}
