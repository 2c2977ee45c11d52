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
import { nodeLabel, type NodesPass, type ResolvedNode } from './nodes.js';
import type { ConfigTemplate } from './references.js';

/** Each node's inferred shapes, for the editor (GET /v1/workflows/:id/shapes); undefined members are unknown. */
export interface NodeShapes {
  input: Shape | undefined;
  output: Shape | undefined;
}

interface FlowInput {
  nodes: NodesPass;
  graph: Graph;
  order: string[];
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
    private readonly id: string,
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
    // In its body, a loop has no output yet (its results come when every item is done).
    if (ref === this.loop) return undefined;
    return this.flow.read.get(ref);
  }

  get sources(): ShapeContext['sources'] {
    return (this.flow.p.graph.in.get(this.id) ?? []).map((e) => ({ nodeId: e.source, shape: this.flow.edgeShape(e) }));
  }

  valueShape(value: unknown): Shape | undefined {
    // A config string's expression was read already (checkTemplates): its inferred value is reused.
    const known = typeof value === 'string' ? this.inferred?.byText : undefined;
    return known?.has(value as string) ? known.get(value as string) : valueShape(value, this);
  }
}

class Flow {
  /** What $node.<id> reads, for nodes whose output is known (with the error, when the node fails and goes on). */
  readonly read = new Map<string, Shape>();
  /** What each node's outgoing edges carry where known: its output, or it or its error when it continues on error. */
  readonly outputs = new Map<string, Shape>();
  /** What each loop's `item` output carries into its body, where known. */
  readonly items = new Map<string, Shape>();
  readonly vars: Shape | undefined;

  constructor(readonly p: FlowInput) {
    this.vars = p.variables ? shapeOfValue(p.variables) : { type: 'object', properties: {}, additionalProperties: false };
  }

  /** What an edge delivers: a loop's items and a routed error are not the node's output. */
  edgeShape(e: DocumentEdge): Shape | undefined {
    // The common edge (from `out`) is one lookup; the handles that carry something else are told apart first.
    if (e.sourceHandle === 'error' || e.sourceHandle === LOOP_ITEM_HANDLE) {
      const source = this.p.nodes.resolved.get(e.source);
      if (source?.info.kind === 'loop' && e.sourceHandle === LOOP_ITEM_HANDLE) return this.items.get(e.source);
      if (source?.node.onError === 'route' && e.sourceHandle === 'error') return ERROR_OUTPUT;
    }
    return this.outputs.get(e.source);
  }

  /** Records a node's known output, as its readers and its edges see it. */
  settle(r: ResolvedNode, output: Shape): void {
    const onError = r.node.onError;
    const withError = onError === 'continue' || onError === 'route' ? (union([output, ERROR_OUTPUT]) ?? output) : output;
    // $node.<id> reads the error instead when the node fails and goes on; `out` carries it only on continue.
    this.read.set(r.node.id, withError);
    this.outputs.set(r.node.id, onError === 'continue' ? withError : output);
  }

  /** One edge: its shape. Several: one value (the others skipped) or the list of those that delivered. */
  inputOf(id: string): Shape | undefined {
    const edges = this.p.graph.in.get(id);
    if (!edges || edges.length === 0) return undefined;
    if (edges.length === 1) return this.edgeShape(edges[0] as DocumentEdge);
    const shapes: Shape[] = [];
    for (const e of edges) {
      const shape = this.edgeShape(e);
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
  for (const id of p.order) {
    const r = p.nodes.resolved.get(id) as ResolvedNode;
    const input = flow.inputOf(id);
    // An invalid config has its own errors; reading its expressions against shapes would only add noise.
    const templates = r.outputs ? p.templates.get(id) : undefined;
    const hook = r.outputs ? r.info.outputShape : undefined;
    const itemHook = r.outputs ? r.info.itemShape : undefined;
    if (!templates && (hook === undefined || hook === sameAsInput) && !itemHook) {
      // Nothing to read and nothing to call: the input passes on (or the output is unknown).
      const output = hook ? input : undefined;
      if (input || output) shapes.set(id, { input, output });
      if (output) flow.settle(r, output);
      continue;
    }
    const view = new NodeFlow(flow, id, input, r.node.parent);
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
    if (view.input || output) shapes.set(id, { input: view.input, output });
    if (output) flow.settle(r, output);
    if (itemHook) {
      try {
        const item = itemHook(r.config, view);
        if (item) flow.items.set(id, item);
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
    const at = ['nodes', r.index, 'config', ...path];
    for (const segment of segments) {
      if (segment.kind !== 'expression') continue;
      const { issues, shape } = checkExpression(segment.expression.ast(), env, segment.source);
      for (const issue of issues)
        out.push(
          diagnostic(issue.code, `Node ${nodeLabel(r.node)}, "${path.join('.')}": ${issue.message}`, {
            nodeId: r.node.id,
            path: at,
            details: issue.details,
          }),
        );
      if (!isPureExpression(segments)) continue;
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
