// Pass: typed data flow. In topological order, each node's input shape is what its incoming edges deliver, its
// output shape what its type declares (compiler/shapes.ts), and every `{{ }}` in its config is read against them:
// UNKNOWN_VARIABLE, UNKNOWN_FIELD (a field the shape upstream says cannot exist, with a suggestion), BAD_EXPRESSION
// (an unknown JSONata function, a wrong number of arguments) and TYPE_MISMATCH (a field given a value of a type it
// cannot hold). A node with an invalid config, or behind one, has unknown shapes: its own errors say why.
import { sameAsInput, type FieldValueType, type ShapeContext } from '../catalog.js';
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import { checkExpression, type ExpressionEnv } from '../expression-check.js';
import { isPureExpression, parseTemplateCached, type Segment } from '../expressions.js';
import type { DocumentEdge } from '../document.js';
import type { Graph } from '../graph.js';
import { LOOP_ITEM_HANDLE } from '../plan.js';
import { describeShape, ERROR_OUTPUT, shapeOfValue, STRING, typesOf, union, type Shape } from '../shapes.js';
import { nodeLabel, type ResolvedNode } from './nodes.js';
import type { ConfigTemplate } from './references.js';

/** Each node's inferred shapes, for the editor (GET /v1/workflows/:id/shapes); undefined members are unknown. */
export interface NodeShapes {
  input: Shape | undefined;
  output: Shape | undefined;
}

interface FlowInput {
  /** The resolved nodes by graph node number: the graph was built over them, in this order. */
  nodes: readonly ResolvedNode[];
  graph: Graph;
  /** Graph node numbers in topological order. */
  order: readonly number[];
  templates: Map<string, ConfigTemplate[]>;
  variables: Record<string, unknown> | undefined;
}

/**
 * One node's view while shapes flow: the env its expressions read and the context its type's shape hook gets. A
 * class rather than closures and literals per node: at 10k nodes those allocations were most of this pass's cost.
 */
class NodeFlow implements ExpressionEnv, ShapeContext {
  inferred: Inferred | undefined;
  constructor(
    private readonly flow: Flow,
    private readonly n: number,
    readonly input: Shape | undefined,
    /** The loop whose body this node is in, if any. */
    private readonly loop?: string,
  ) {}

  get json(): Shape | undefined {
    return this.input;
  }

  get vars(): Shape | undefined {
    return this.flow.vars;
  }

  node(ref: string): Shape | undefined {
    // In its body, a loop reads as the item at hand (workflows/loop-body.ts), not its results, which come later.
    if (ref === this.loop) return this.flow.itemOf(ref);
    return this.flow.readOf(ref);
  }

  get sources(): ShapeContext['sources'] {
    const { start, edges, ends } = this.flow.p.graph.in;
    const sources: ShapeContext['sources'] = [];
    for (let k = start[this.n] as number; k < (start[this.n + 1] as number); k++) {
      const e = edges[k] as DocumentEdge;
      sources.push({ nodeId: e.source, shape: this.flow.edgeShape(e, ends[k] as number) });
    }
    return sources;
  }

  valueShape(value: unknown): Shape | undefined {
    // A config string's expression was read already (checkTemplates): its inferred value is reused.
    const known = typeof value === 'string' ? this.inferred?.byText : undefined;
    return known?.has(value as string) ? known.get(value as string) : valueShape(value, this);
  }
}

/** The shapes known so far, by graph node number: arrays, since every node and every edge is read once. */
class Flow {
  /** What $node.<id> reads, where the node's output is known (with the error, when the node fails and goes on). */
  private readonly read: (Shape | undefined)[];
  /** What each node's outgoing edges carry where known: its output, or it or its error when it continues on error. */
  private readonly outputs: (Shape | undefined)[];
  /** What each loop's `item` output carries into its body, where known. */
  readonly items: (Shape | undefined)[];
  readonly vars: Shape | undefined;

  constructor(readonly p: FlowInput) {
    this.read = new Array<Shape | undefined>(p.nodes.length);
    this.outputs = new Array<Shape | undefined>(p.nodes.length);
    this.items = new Array<Shape | undefined>(p.nodes.length);
    this.vars = p.variables ? shapeOfValue(p.variables) : { type: 'object', properties: {}, additionalProperties: false };
  }

  /** What $node.<id> reads: unknown for a node not settled yet, or not resolved. */
  readOf(id: string): Shape | undefined {
    const n = this.p.graph.numberOf(id);
    return n === undefined ? undefined : this.read[n];
  }

  /** What a loop's `item` output carries into its body: unknown for a loop not settled yet, or not resolved. */
  itemOf(id: string): Shape | undefined {
    const n = this.p.graph.numberOf(id);
    return n === undefined ? undefined : this.items[n];
  }

  /** What an edge from node `source` delivers: a loop's items and a routed error are not the node's output. */
  edgeShape(e: DocumentEdge, source: number): Shape | undefined {
    // The common edge (from `out`) is one read; the handles that carry something else are told apart first.
    if (e.sourceHandle === 'error' || e.sourceHandle === LOOP_ITEM_HANDLE) {
      const r = this.p.nodes[source] as ResolvedNode;
      if (r.info.kind === 'loop' && e.sourceHandle === LOOP_ITEM_HANDLE) return this.items[source];
      if (r.node.onError === 'route' && e.sourceHandle === 'error') return ERROR_OUTPUT;
    }
    return this.outputs[source];
  }

  /** Records node n's known output, as its readers and its edges see it. */
  settle(n: number, r: ResolvedNode, output: Shape): void {
    const onError = r.node.onError;
    const withError = onError === 'continue' || onError === 'route' ? (union([output, ERROR_OUTPUT]) ?? output) : output;
    // $node.<id> reads the error instead when the node fails and goes on; `out` carries it only on continue.
    this.read[n] = withError;
    this.outputs[n] = onError === 'continue' ? withError : output;
  }

  /** One edge: its shape. Several: one value (the others skipped) or the list of those that delivered. */
  inputOf(n: number): Shape | undefined {
    const { start, edges, ends } = this.p.graph.in;
    const first = start[n] as number;
    const count = (start[n + 1] as number) - first;
    if (count === 0) return undefined;
    if (count === 1) return this.edgeShape(edges[first] as DocumentEdge, ends[first] as number);
    const shapes: Shape[] = [];
    for (let k = first; k < first + count; k++) {
      const shape = this.edgeShape(edges[k] as DocumentEdge, ends[k] as number);
      if (!shape) return undefined;
      shapes.push(shape);
    }
    const each = union(shapes);
    return each ? union([each, { type: 'array', items: each }]) : undefined;
  }
}

export function propagateShapes(p: FlowInput, out: Diagnostic[]): Map<string, NodeShapes> {
  const shapes = new Map<string, NodeShapes>();
  const flow = new Flow(p);
  // Few nodes hold templates: their lists are put by node number once, rather than every node looked up by id.
  const templatesOf = new Array<ConfigTemplate[] | undefined>(p.nodes.length);
  for (const [id, list] of p.templates) {
    const n = p.graph.numberOf(id);
    if (n !== undefined) templatesOf[n] = list;
  }
  for (const n of p.order) {
    const r = p.nodes[n] as ResolvedNode;
    const input = flow.inputOf(n);
    // An invalid config has its own errors; reading its expressions against shapes would only add noise.
    const templates = r.outputs ? templatesOf[n] : undefined;
    const hook = r.outputs ? r.info.outputShape : undefined;
    const itemHook = r.outputs ? r.info.itemShape : undefined;
    if (!templates && (hook === undefined || hook === sameAsInput) && !itemHook) {
      // Nothing to read and nothing to call: the input passes on (or the output is unknown).
      const output = hook ? input : undefined;
      if (input || output) shapes.set(r.node.id, { input, output });
      if (output) flow.settle(n, r, output);
      continue;
    }
    const view = new NodeFlow(flow, n, input, r.node.parent);
    if (templates) view.inferred = checkTemplates(r, templates, view, out);
    let output: Shape | undefined;
    if (r.outputs && r.info.outputShape) {
      try {
        output = r.info.outputShape(r.config, view);
      } catch {
        // A node type's shape hook is a hint; one that throws leaves the shape unknown rather than failing the compile.
        output = undefined;
      }
    }
    if (view.input || output) shapes.set(r.node.id, { input: view.input, output });
    if (output) flow.settle(n, r, output);
    if (itemHook) {
      try {
        const item = itemHook(r.config, view);
        if (item) flow.items[n] = item;
      } catch {
        // As for the output: a hint, never a failed compile.
      }
    }
    if (view.inferred) checkFieldTypes(r, view.inferred.byField, out);
  }
  return shapes;
}

/** The shape of a config value as the node sees it once its expressions are evaluated. */
function valueShape(value: unknown, env: ExpressionEnv): Shape | undefined {
  if (typeof value !== 'string' || !value.includes('{{')) return shapeOfValue(value);
  try {
    const segments = parseOnce(value);
    if (!segments) return undefined;
    if (!isPureExpression(segments)) return STRING;
    const only = segments[0] as Extract<Segment, { kind: 'expression' }>;
    return checkExpression(only.expression.ast(), env, only.source).shape;
  } catch {
    return undefined;
  }
}

// The references pass parsed every template already (and cached it); this reads that cache's entry.
function parseOnce(text: string): Segment[] | undefined {
  try {
    return parseTemplateCached(text);
  } catch {
    return undefined;
  }
}

interface Inferred {
  /** The value of each top-level field that is one expression, where known. */
  byField: Map<string, Shape>;
  /** The value of each config string that is one expression (known or not), by its text. */
  byText: Map<string, Shape | undefined>;
}

/** Reports each expression's issues; returns what the expressions that make up a whole value give. */
function checkTemplates(r: ResolvedNode, templates: ConfigTemplate[], env: ExpressionEnv, out: Diagnostic[]): Inferred {
  const inferred: Inferred = { byField: new Map(), byText: new Map() };
  for (const { path, text, segments } of templates) {
    const pure = isPureExpression(segments);
    for (const segment of segments) {
      if (segment.kind !== 'expression') continue;
      const { issues, shape } = checkExpression(segment.expression.ast(), env, segment.source);
      for (const issue of issues)
        out.push(
          diagnostic(issue.code, `Node ${nodeLabel(r.node)}, "${path.join('.')}": ${issue.message}`, {
            nodeId: r.node.id,
            path: ['nodes', r.index, 'config', ...path],
            details: issue.details,
          }),
        );
      if (!pure) continue;
      inferred.byText.set(text, shape);
      if (path.length === 1 && shape) inferred.byField.set(String(path[0]), shape);
    }
  }
  return inferred;
}

const FITS: Record<FieldValueType, (types: Set<string>) => boolean> = {
  string: (t) => t.has('string'),
  number: (t) => t.has('number') || t.has('integer'),
  boolean: (t) => t.has('boolean'),
};

/** A field whose value cannot be of the type it holds: a string expression in a number field, an object for a URL. */
function checkFieldTypes(r: ResolvedNode, inferred: Map<string, Shape>, out: Diagnostic[]): void {
  const declared = r.info.fieldTypes;
  if (!declared) return;
  for (const [field, shape] of inferred) {
    const wanted = declared[field];
    const types = typesOf(shape);
    if (!wanted || !types || FITS[wanted](types)) continue;
    out.push(
      diagnostic(
        'TYPE_MISMATCH',
        `Node ${nodeLabel(r.node)}: "${field}" needs a ${wanted}, but its expression gives ${describeShape(shape)}`,
        { nodeId: r.node.id, path: ['nodes', r.index, 'config', field], details: { expected: wanted, actual: [...types].sort() } },
      ),
    );
  }
}
