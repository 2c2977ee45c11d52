// The workflow as a directed graph: adjacency built once, then linear-time algorithms over it.
// Nodes are numbered once (their place in `ids`) and the algorithms walk numbers in typed arrays: at 10k nodes and
// 20k edges, looking every edge's ends up by id in Maps cost more than the algorithms themselves.
// Iterative everywhere: a 100,000-node chain must not overflow the call stack.
import type { DocumentEdge } from './document.js';

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A binary min-heap of id ranks. */
class RankHeap {
  private readonly items: number[] = [];
  get size() {
    return this.items.length;
  }
  push(rank: number): void {
    const a = this.items;
    a.push(rank);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p] as number;
      if (parent <= rank) break;
      a[i] = parent;
      i = p;
    }
    a[i] = rank;
  }
  pop(): number {
    const a = this.items;
    const top = a[0] as number;
    const last = a.pop() as number;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = l;
        if (l >= a.length) break;
        if (r < a.length && (a[r] as number) < (a[l] as number)) m = r;
        if ((a[m] as number) >= last) break;
        a[i] = a[m] as number;
        i = m;
      }
      a[i] = last;
    }
    return top;
  }
}

/**
 * One direction of the adjacency, in compressed rows: the edges of node n are `edges[k]` for `start[n] <= k <
 * start[n + 1]`, in document order, and `ends[k]` is the number of the node at the other end of `edges[k]`. Two
 * flat arrays instead of a list per node: nothing to look up, little to allocate. Read-only once built.
 */
export class Adjacency {
  readonly start: Int32Array;
  readonly edges: DocumentEdge[];
  readonly ends: Int32Array;

  constructor(size: number, edges: readonly DocumentEdge[], near: Int32Array, far: Int32Array) {
    // Count each node's edges one slot along, then add up: start[n] is the number of edges of the nodes before n.
    const start = new Int32Array(size + 1);
    for (let k = 0; k < near.length; k++) {
      const slot = (near[k] as number) + 1;
      start[slot] = (start[slot] as number) + 1;
    }
    for (let n = 0; n < size; n++) start[n + 1] = (start[n + 1] as number) + (start[n] as number);
    this.start = start;
    this.edges = new Array<DocumentEdge>(edges.length);
    this.ends = new Int32Array(edges.length);
    // Each node's next free slot; filling in edge order keeps a node's edges in document order.
    const next = start.slice(0, size);
    for (let k = 0; k < edges.length; k++) {
      const n = near[k] as number;
      const at = next[n] as number;
      next[n] = at + 1;
      this.edges[at] = edges[k] as DocumentEdge;
      this.ends[at] = far[k] as number;
    }
  }

  /** The edges of node n, as a list of their own. */
  of(n: number): DocumentEdge[] {
    return this.edges.slice(this.start[n], this.start[n + 1]);
  }
}

export interface TopologicalOrder {
  /** Node numbers in an order that respects every edge, the smallest id first among the ready ones. */
  order: number[];
  /** Each node's place in `order`, by node number; -1 for a node on or behind a cycle (not in `order`). */
  position: Int32Array;
}

export class Graph {
  private readonly numbers = new Map<string, number>();
  /** The edges out of each node, and their targets. */
  readonly out: Adjacency;
  /** The edges into each node, and their sources. */
  readonly in: Adjacency;
  /** Marks of nodes seen by the current walk backwards (ancestorsAmong), so a walk allocates nothing per node. */
  private visited: Int32Array | undefined;
  private walk = 0;

  /** `ids` number the nodes (node n is `ids[n]`); edges with an end outside them are left out. */
  constructor(
    readonly ids: readonly string[],
    edges: readonly DocumentEdge[],
  ) {
    for (let n = 0; n < ids.length; n++) this.numbers.set(ids[n] as string, n);
    const from = new Int32Array(edges.length);
    const to = new Int32Array(edges.length);
    let kept: DocumentEdge[] | undefined;
    let count = 0;
    for (let k = 0; k < edges.length; k++) {
      const e = edges[k] as DocumentEdge;
      const s = this.numbers.get(e.source);
      const t = this.numbers.get(e.target);
      if (s === undefined || t === undefined) {
        kept ??= edges.slice(0, k);
        continue;
      }
      kept?.push(e);
      from[count] = s;
      to[count] = t;
      count++;
    }
    this.out = new Adjacency(ids.length, kept ?? edges, from.subarray(0, count), to.subarray(0, count));
    this.in = new Adjacency(ids.length, kept ?? edges, to.subarray(0, count), from.subarray(0, count));
  }

  numberOf(id: string): number | undefined {
    return this.numbers.get(id);
  }

  private outgoing(id: string): DocumentEdge[] {
    const n = this.numbers.get(id);
    return n === undefined ? [] : this.out.of(n);
  }

  /**
   * Kahn's algorithm, taking the smallest id among the ready nodes each time, so the order depends on ids alone.
   * Ids are ranked once; the heap then compares integers.
   */
  topologicalOrder(): TopologicalOrder {
    const size = this.ids.length;
    const ids = this.ids;
    const byRank = Array.from({ length: size }, (_, n) => n).sort((a, b) => byId(ids[a] as string, ids[b] as string));
    const rank = new Int32Array(size);
    for (let r = 0; r < size; r++) rank[byRank[r] as number] = r;
    const indegree = new Int32Array(size);
    const ready = new RankHeap();
    for (let n = 0; n < size; n++) {
      indegree[n] = (this.in.start[n + 1] as number) - (this.in.start[n] as number);
      if (indegree[n] === 0) ready.push(rank[n] as number);
    }
    const order: number[] = [];
    const position = new Int32Array(size).fill(-1);
    const { start, ends } = this.out;
    while (ready.size > 0) {
      const n = byRank[ready.pop()] as number;
      position[n] = order.length;
      order.push(n);
      for (let k = start[n] as number; k < (start[n + 1] as number); k++) {
        const t = ends[k] as number;
        if (--(indegree[t] as number) === 0) ready.push(rank[t] as number);
      }
    }
    return { order, position };
  }

  /** One concrete cycle (node ids in edge order, first id smallest) per strongly connected component that has one. */
  cycles(among: Set<string>): string[][] {
    const result: string[][] = [];
    for (const component of this.stronglyConnected(among)) {
      const members = new Set(component);
      const start = [...component].sort(byId)[0] as string;
      const selfLoop = this.outgoing(start).some((e) => e.target === start);
      if (component.length === 1 && !selfLoop) continue;
      result.push(selfLoop ? [start] : this.shortestCycle(start, members));
    }
    return result.sort((a, b) => byId(a[0] as string, b[0] as string));
  }

  /** BFS from start's successors back to start, inside one component. */
  private shortestCycle(start: string, members: Set<string>): string[] {
    const parent = new Map<string, string>();
    const queue: string[] = [start];
    for (let head = 0; head < queue.length; head++) {
      const id = queue[head] as string;
      const next = this.outgoing(id)
        .map((e) => e.target)
        .filter((t) => members.has(t))
        .sort(byId);
      for (const t of next) {
        if (t === start) {
          const path = [id];
          while (path[0] !== start) path.unshift(parent.get(path[0] as string) as string);
          return path;
        }
        if (parent.has(t)) continue;
        parent.set(t, id);
        queue.push(t);
      }
    }
    return [start];
  }

  /** Tarjan's algorithm, iterative. */
  private stronglyConnected(among: Set<string>): string[][] {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const onStack = new Set<string>();
    const stack: string[] = [];
    const components: string[][] = [];
    let counter = 0;
    for (const root of among) {
      if (index.has(root)) continue;
      const successors = (id: string) => this.outgoing(id).filter((e) => among.has(e.target));
      const work: { id: string; edges: DocumentEdge[]; edge: number }[] = [{ id: root, edges: successors(root), edge: 0 }];
      index.set(root, counter);
      low.set(root, counter++);
      stack.push(root);
      onStack.add(root);
      while (work.length > 0) {
        const frame = work[work.length - 1] as { id: string; edges: DocumentEdge[]; edge: number };
        if (frame.edge < frame.edges.length) {
          const t = (frame.edges[frame.edge++] as DocumentEdge).target;
          if (!index.has(t)) {
            index.set(t, counter);
            low.set(t, counter++);
            stack.push(t);
            onStack.add(t);
            work.push({ id: t, edges: successors(t), edge: 0 });
          } else if (onStack.has(t)) low.set(frame.id, Math.min(low.get(frame.id) as number, index.get(t) as number));
          continue;
        }
        work.pop();
        const parent = work[work.length - 1];
        if (parent) low.set(parent.id, Math.min(low.get(parent.id) as number, low.get(frame.id) as number));
        if (low.get(frame.id) === index.get(frame.id)) {
          const component: string[] = [];
          let member: string;
          do {
            member = stack.pop() as string;
            onStack.delete(member);
            component.push(member);
          } while (member !== frame.id);
          components.push(component);
        }
      }
    }
    return components;
  }

  /** The ids no path from `roots` reaches, in node order. */
  unreachableFrom(roots: readonly string[]): string[] {
    const size = this.ids.length;
    const seen = new Uint8Array(size);
    const queue = new Int32Array(size);
    let tail = 0;
    for (const root of roots) {
      const n = this.numbers.get(root);
      if (n === undefined || seen[n]) continue;
      seen[n] = 1;
      queue[tail++] = n;
    }
    const { start, ends } = this.out;
    for (let head = 0; head < tail; head++) {
      const n = queue[head] as number;
      for (let k = start[n] as number; k < (start[n + 1] as number); k++) {
        const t = ends[k] as number;
        if (seen[t]) continue;
        seen[t] = 1;
        queue[tail++] = t;
      }
    }
    const unreached: string[] = [];
    for (let n = 0; n < size; n++) if (!seen[n]) unreached.push(this.ids[n] as string);
    return unreached;
  }

  /**
   * Which of `candidates` are ancestors of `node`. Walks backwards; given the topological positions, it skips nodes
   * that come before every candidate (they cannot lead back to one), so nearby references cost little.
   */
  ancestorsAmong(node: string, candidates: Set<string>, position?: Int32Array): Set<string> {
    const found = new Set<string>();
    const from = this.numbers.get(node);
    if (from === undefined) return found;
    // Without a position for every candidate, nothing can be skipped.
    let floor = Infinity;
    for (const c of candidates) {
      const n = this.numbers.get(c);
      floor = Math.min(floor, position && n !== undefined ? (position[n] as number) : -1);
    }
    const size = this.ids.length;
    const visited = (this.visited ??= new Int32Array(size));
    const walk = ++this.walk;
    visited[from] = walk;
    const queue = [from];
    const { start, ends } = this.in;
    for (let head = 0; head < queue.length && found.size < candidates.size; head++) {
      const n = queue[head] as number;
      for (let k = start[n] as number; k < (start[n + 1] as number); k++) {
        const p = ends[k] as number;
        if (visited[p] === walk) continue;
        visited[p] = walk;
        const id = this.ids[p] as string;
        if (candidates.has(id)) found.add(id);
        const at = position?.[p] ?? -1;
        if (floor >= 0 && at >= 0 && at < floor) continue;
        queue.push(p);
      }
    }
    return found;
  }
}
