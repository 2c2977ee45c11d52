// WorFBench-style structural score of a generated workflow against a reference: nodes are matched by type, then
// edges are checked between matched nodes. Pure; reads any candidate, however malformed (a model wrote it).
import { maxWeightAssignment } from './assignment.js';

export interface NodeMatch {
  reference: string;
  candidate: string;
  type: string;
}

export interface CaseScore {
  nodePrecision: number;
  nodeRecall: number;
  nodeF1: number;
  edgePrecision: number;
  edgeRecall: number;
  edgeF1: number;
  /** Reference node id to candidate node id, in the reference's node order. */
  matched: NodeMatch[];
}

interface GraphNode {
  id: string;
  type: string;
  name: string;
  config: unknown;
}
interface GraphEdge {
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
}
interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const text = (v: unknown, fallback: string) => (typeof v === 'string' && v.length > 0 ? v : fallback);

/** What of a document the score reads: nodes with an id and a type (first of a repeated id), edges between them. */
function readGraph(document: unknown): Graph {
  const rawNodes = isRecord(document) && Array.isArray(document.nodes) ? document.nodes : [];
  const rawEdges = isRecord(document) && Array.isArray(document.edges) ? document.edges : [];
  const byId = new Map<string, GraphNode>();
  for (const n of rawNodes) {
    if (!isRecord(n) || typeof n.id !== 'string' || typeof n.type !== 'string' || byId.has(n.id)) continue;
    byId.set(n.id, { id: n.id, type: n.type, name: text(n.name, ''), config: n.config ?? {} });
  }
  const seen = new Set<string>();
  const edges: GraphEdge[] = [];
  for (const e of rawEdges) {
    if (!isRecord(e) || typeof e.source !== 'string' || typeof e.target !== 'string') continue;
    const source = byId.get(e.source);
    if (!source || !byId.has(e.target)) continue;
    const edge = {
      source: e.source,
      sourceHandle: canonicalHandle(source, text(e.sourceHandle, 'out')),
      target: e.target,
      targetHandle: text(e.targetHandle, 'in'),
    };
    // A repeated edge is one connection: counting it twice would reward (or punish) a duplicate.
    const key = JSON.stringify(edge);
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push(edge);
  }
  return { nodes: [...byId.values()], edges };
}

/**
 * A Switch's outputs are named by its rules' keys, which a model words its own way ("urgent" for "high"): what a
 * branch means is its rule's position, so handles are compared as `rule#<index>` (`default` stays).
 */
function canonicalHandle(node: GraphNode, handle: string): string {
  if (node.type !== 'logic.switch' || !isRecord(node.config) || !Array.isArray(node.config.rules)) return handle;
  const index = node.config.rules.findIndex((r: unknown) => isRecord(r) && r.key === handle);
  return index >= 0 ? `rule#${index}` : handle;
}

/** Leaves of a value as `path=value` strings, so two configs compare field by field. */
function leaves(value: unknown, path = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v, i) => leaves(v, `${path}[${i}]`, out));
  else if (isRecord(value)) for (const k of Object.keys(value).sort()) leaves(value[k], path ? `${path}.${k}` : k, out);
  else out.add(`${path}=${JSON.stringify(value)}`);
  return out;
}

const words = (s: string) => new Set(s.toLowerCase().match(/[a-z0-9]+/g) ?? []);

function jaccard<T>(a: Set<T>, b: Set<T>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let common = 0;
  for (const x of a) if (b.has(x)) common++;
  return common / (a.size + b.size - common);
}

/** How a node sits in its graph, without ids: the types and handles of its incoming and outgoing edges. */
function neighbourhoods(graph: Graph): Map<string, Set<string>> {
  const typeOf = new Map(graph.nodes.map((n) => [n.id, n.type]));
  const counts = new Map<string, Map<string, number>>(graph.nodes.map((n) => [n.id, new Map()]));
  const add = (id: string, signature: string) => {
    const c = counts.get(id);
    c?.set(signature, (c.get(signature) ?? 0) + 1);
  };
  for (const e of graph.edges) {
    add(e.target, `from ${typeOf.get(e.source)}.${e.sourceHandle}`);
    add(e.source, `${e.sourceHandle} to ${typeOf.get(e.target)}`);
  }
  // Multisets as sets of numbered copies: two IF branches into two HTTP calls are two signatures, not one.
  return new Map([...counts].map(([id, c]) => [id, new Set([...c].flatMap(([s, n]) => Array.from({ length: n }, (_, i) => `${s}#${i}`)))]));
}

// Where a node sits matters most for the edge score; its settings and its name tell apart nodes that sit alike.
const WEIGHTS = { neighbourhood: 0.5, config: 0.3, name: 0.2 };

interface Features {
  around: Set<string>;
  settings: Set<string>;
  words: Set<string>;
}

/** Each node's features, computed once: the assignment compares every pair of a type. */
function featuresOf(graph: Graph): Map<string, Features> {
  const around = neighbourhoods(graph);
  return new Map(
    graph.nodes.map((n) => [n.id, { around: around.get(n.id) ?? new Set(), settings: leaves(n.config), words: words(n.name) }]),
  );
}

function similarity(a: Features, b: Features): number {
  return (
    WEIGHTS.neighbourhood * jaccard(a.around, b.around) +
    WEIGHTS.config * jaccard(a.settings, b.settings) +
    WEIGHTS.name * jaccard(a.words, b.words)
  );
}

/**
 * Nodes that are alike in every way (two identical branches) pair by their place among the nodes of their type, in
 * document order: never by id, so renaming ids cannot change a score, and a document scored against itself pairs
 * each node with itself.
 */
const TIE_BREAK = 1e-6;

function matchNodes(reference: Graph, candidate: Graph): NodeMatch[] {
  const refFeatures = featuresOf(reference);
  const candFeatures = featuresOf(candidate);
  const none: Features = { around: new Set(), settings: new Set(), words: new Set() };
  const pairs = new Map<string, string>();
  const types = [...new Set(reference.nodes.map((n) => n.type))];
  for (const type of types) {
    const refs = reference.nodes.filter((n) => n.type === type);
    const cands = candidate.nodes.filter((n) => n.type === type);
    const weights = refs.map((r, i) =>
      cands.map(
        (c, j) =>
          (1 - TIE_BREAK) * similarity(refFeatures.get(r.id) ?? none, candFeatures.get(c.id) ?? none) +
          TIE_BREAK * (1 - Math.abs(i / refs.length - j / cands.length)),
      ),
    );
    maxWeightAssignment(weights).forEach((column, row) => {
      const c = cands[column];
      const r = refs[row];
      if (c && r) pairs.set(r.id, c.id);
    });
  }
  return reference.nodes.flatMap((n) => {
    const candidateId = pairs.get(n.id);
    return candidateId === undefined ? [] : [{ reference: n.id, candidate: candidateId, type: n.type }];
  });
}

/** Precision over what was predicted: nothing predicted is perfect only when nothing was expected. */
function ratio(hits: number, total: number, otherTotal: number): number {
  if (total === 0) return otherTotal === 0 ? 1 : 0;
  return hits / total;
}
const f1 = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

/**
 * Scores a candidate against a reference. Nodes: a maximum matching by type (the most pairs possible; among nodes of
 * one type, the pairing whose neighbourhoods, settings and names are most alike). Edges: a candidate edge is right
 * when both its ends are matched and the reference has the edge between their partners with the same handles (an IF's
 * `true` is not its `false`, an `error` route is not the normal path; Switch handles by rule position).
 */
export function scoreCase(reference: unknown, candidate: unknown): CaseScore {
  const ref = readGraph(reference);
  const cand = readGraph(candidate);
  const matched = matchNodes(ref, cand);
  const toReference = new Map(matched.map((m) => [m.candidate, m.reference]));
  const refEdges = new Set(ref.edges.map((e) => JSON.stringify(e)));
  let edgeHits = 0;
  for (const e of cand.edges) {
    const source = toReference.get(e.source);
    const target = toReference.get(e.target);
    if (source === undefined || target === undefined) continue;
    if (refEdges.has(JSON.stringify({ ...e, source, target }))) edgeHits++;
  }
  const nodePrecision = ratio(matched.length, cand.nodes.length, ref.nodes.length);
  const nodeRecall = ratio(matched.length, ref.nodes.length, cand.nodes.length);
  const edgePrecision = ratio(edgeHits, cand.edges.length, ref.edges.length);
  const edgeRecall = ratio(edgeHits, ref.edges.length, cand.edges.length);
  return {
    nodePrecision,
    nodeRecall,
    nodeF1: f1(nodePrecision, nodeRecall),
    edgePrecision,
    edgeRecall,
    edgeF1: f1(edgePrecision, edgeRecall),
    matched,
  };
}
