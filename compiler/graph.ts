// The workflow as a directed graph: adjacency built once, then linear-time algorithms over it.
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
      if ((a[p] as number) <= (a[i] as number)) break;
      [a[p], a[i]] = [a[i] as number, a[p] as number];
      i = p;
    }
  }
  pop(): number {
    const a = this.items;
    const top = a[0] as number;
    const last = a.pop() as number;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && (a[l] as number) < (a[m] as number)) m = l;
        if (r < a.length && (a[r] as number) < (a[m] as number)) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i] as number, a[m] as number];
        i = m;
      }
    }
    return top;
  }
}

export class Graph {
  readonly out = new Map<string, DocumentEdge[]>();
  readonly in = new Map<string, DocumentEdge[]>();

  constructor(
    readonly ids: string[],
    edges: DocumentEdge[],
  ) {
    for (const id of ids) {
      this.out.set(id, []);
      this.in.set(id, []);
    }
    for (const e of edges) {
      this.out.get(e.source)?.push(e);
      this.in.get(e.target)?.push(e);
    }
  }

  /**
   * Kahn's algorithm, taking the smallest id among the ready nodes each time, so the order depends on ids alone.
   * Ids are ranked once; the heap then compares integers. `order` misses exactly the nodes on or behind a cycle.
   */
  topologicalOrder(): { order: string[]; index: Map<string, number> } {
    const sorted = [...this.ids].sort(byId);
    const rank = new Map(sorted.map((id, i) => [id, i]));
    const indegree = new Int32Array(sorted.length);
    for (const [i, id] of sorted.entries()) indegree[i] = this.in.get(id)?.length ?? 0;
    const ready = new RankHeap();
    for (let i = 0; i < sorted.length; i++) if (indegree[i] === 0) ready.push(i);
    const order: string[] = [];
    const index = new Map<string, number>();
    while (ready.size > 0) {
      const id = sorted[ready.pop()] as string;
      index.set(id, order.length);
      order.push(id);
      for (const e of this.out.get(id) ?? []) {
        const t = rank.get(e.target) as number;
        if (--(indegree[t] as number) === 0) ready.push(t);
      }
    }
    return { order, index };
  }

  /** One concrete cycle (node ids in edge order, first id smallest) per strongly connected component that has one. */
  cycles(among: Set<string>): string[][] {
    const result: string[][] = [];
    for (const component of this.stronglyConnected(among)) {
      const members = new Set(component);
      const start = [...component].sort(byId)[0] as string;
      const selfLoop = (this.out.get(start) ?? []).some((e) => e.target === start);
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
      const next = (this.out.get(id) ?? [])
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
      const successors = (id: string) => (this.out.get(id) ?? []).filter((e) => among.has(e.target));
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

  reachableFrom(roots: string[]): Set<string> {
    const seen = new Set(roots);
    const queue = [...roots];
    for (let head = 0; head < queue.length; head++) {
      for (const e of this.out.get(queue[head] as string) ?? []) {
        if (seen.has(e.target)) continue;
        seen.add(e.target);
        queue.push(e.target);
      }
    }
    return seen;
  }

  /**
   * Which of `candidates` are ancestors of `node`. Walks backwards, skipping nodes that come before every
   * candidate in topological order (they cannot lead back to one), so nearby references cost little.
   */
  ancestorsAmong(node: string, candidates: Set<string>, topoIndex: Map<string, number>): Set<string> {
    const found = new Set<string>();
    const floor = Math.min(...[...candidates].map((c) => topoIndex.get(c) ?? -1));
    const seen = new Set<string>([node]);
    const queue = [node];
    for (let head = 0; head < queue.length && found.size < candidates.size; head++) {
      for (const e of this.in.get(queue[head] as string) ?? []) {
        const p = e.source;
        if (seen.has(p)) continue;
        seen.add(p);
        if (candidates.has(p)) found.add(p);
        const at = topoIndex.get(p);
        if (floor >= 0 && at !== undefined && at < floor) continue;
        queue.push(p);
      }
    }
    return found;
  }
}
