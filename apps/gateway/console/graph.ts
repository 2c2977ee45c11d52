// A run's plan drawn as SVG on the server: positions from the same layered layout the AI editor uses
// (orchestrator/ai/layout.ts), one <g> per node carrying its id and status as data, so the page's script only
// changes a class and a label when an event arrives. Node names are user text: everything goes through `html`.
import type { WorkflowDocument } from '../../../compiler/document.js';
import type { ExpandedPlan } from '../../../compiler/plan.js';
import { LAYER_SPACING, ROW_SPACING, layoutDocument } from '../../../orchestrator/ai/layout.js';
import { html, type SafeHtml } from './html.js';

/** What a node shows: the database's statuses, `pending` before any, `waiting` while a person is asked. */
export const DISPLAY_STATUSES = ['pending', 'running', 'waiting', 'completed', 'skipped', 'failed', 'cancelled'] as const;
export type DisplayStatus = (typeof DISPLAY_STATUSES)[number];

const WIDTH = 200;
const HEIGHT = 64;
const SCALE_X = (WIDTH + 60) / LAYER_SPACING;
const SCALE_Y = (HEIGHT + 36) / ROW_SPACING;
const PAD = 16;

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function planEdges(plan: ExpandedPlan): { id: string; source: string; target: string }[] {
  return plan.nodes.flatMap((n) => n.outputs.flatMap((o) => o.to.map((t) => ({ id: t.edgeId, source: n.id, target: t.nodeId }))));
}

export function renderGraph(plan: ExpandedPlan, statuses: Map<string, DisplayStatus>): SafeHtml {
  const edges = planEdges(plan);
  const document: WorkflowDocument = {
    nodes: plan.nodes.map((n) => ({ id: n.id, type: n.type, config: {}, ...(n.parent ? { parent: n.parent } : {}) })),
    edges: edges.map((e) => ({ ...e, sourceHandle: 'out', targetHandle: 'in' })),
  };
  const laid = layoutDocument(document);
  const at = new Map(laid.nodes.map((n) => [n.id, { x: PAD + (n.position?.x ?? 0) * SCALE_X, y: PAD + (n.position?.y ?? 0) * SCALE_Y }]));
  const width = Math.max(...[...at.values()].map((p) => p.x + WIDTH), 0) + PAD;
  const height = Math.max(...[...at.values()].map((p) => p.y + HEIGHT), 0) + PAD;
  const lines = edges.flatMap((e) => {
    const a = at.get(e.source);
    const b = at.get(e.target);
    if (!a || !b) return [];
    const [x1, y1, x2, y2] = [a.x + WIDTH, a.y + HEIGHT / 2, b.x, b.y + HEIGHT / 2];
    const mid = (x1 + x2) / 2;
    return [html`<path class="edge" d="M${x1} ${y1} C${mid} ${y1} ${mid} ${y2} ${x2} ${y2}" marker-end="url(#arrow)" />`];
  });
  const nodes = plan.nodes.map((n) => {
    const p = at.get(n.id)!;
    const status = statuses.get(n.id) ?? 'pending';
    return html`<g
      class="node status-${status}"
      data-node="${n.id}"
      transform="translate(${p.x} ${p.y})"
      tabindex="0"
      role="button"
      aria-label="${n.name}: ${status}. Show details"
    >
      <title>${n.name} (${n.type})</title>
      <rect width="${WIDTH}" height="${HEIGHT}" rx="8" />
      <text x="12" y="26" class="name">${shorten(n.name, 24)}</text>
      <text x="12" y="48" class="status">${status}</text>
    </g>`;
  });
  return html`<svg
    class="graph"
    viewBox="0 0 ${width} ${height}"
    width="${width}"
    height="${height}"
    role="group"
    aria-label="Workflow graph"
  >
    <defs>
      <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
        <path d="M0 0 L10 5 L0 10 z" />
      </marker>
    </defs>
    ${lines}${nodes}
  </svg>`;
}
