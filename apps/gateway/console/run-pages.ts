// The runs list (filters: status, workflow, time) and the run view: the plan's graph with each node's status, the
// timeline of events, pause/resume/stop forms, and each node's input, output and error fetched when asked for
// (large values only on a second request). Lookups go through the API's handlers: another user's run is a 404.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { expandPlan, StoredPlanSchema } from '../../../compiler/plan.js';
import { listRunEvents } from '../../../db/event-store.js';
import { resolvePayloads } from '../../../db/payload-store.js';
import { isPayloadRef } from '../../../nodes/runtime/payload-ref.js';
import { listRequests } from '../../../db/request-store.js';
import { countItemExecutions, listNodeExecutions, listRuns, TERMINAL_RUN_STATUSES } from '../../../db/run-store.js';
import { RUN_STATUSES, type RunRow } from '../../../db/schema.js';
import { listWorkflows } from '../../../db/workflow-store.js';
import { principalOf } from '../auth/authenticate.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { ownRun, superviseOwnRun } from '../handlers/runs.js';
import { runView } from '../views.js';
import { FormBody } from './answers.js';
import { renderGraph, type DisplayStatus } from './graph.js';
import { html, type SafeHtml } from './html.js';
import { checkFormPost, signedIn } from './sign-in.js';
import { page } from './page.js';
import type { Csrf } from './session.js';

const IdParams = z.object({ id: z.string().min(1).max(100) });
/** What the console shows of a value before "show all": a node's output can be megabytes. */
export const PREVIEW_CHARS = 8_000;
const FULL_CHARS = 2_000_000;
const SINCE = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, all: 0 } as const;
/** Events the page shows from the server; later ones arrive over SSE. */
const TIMELINE_EVENTS = 500;

function preview(value: unknown, full: boolean): { text: string; truncated: boolean; size: number } | null {
  if (value === null || value === undefined) return null;
  const text = JSON.stringify(value, null, 2) ?? 'null';
  const limit = full ? FULL_CHARS : PREVIEW_CHARS;
  return { text: text.slice(0, limit), truncated: text.length > limit, size: text.length };
}

const when = (d: Date | null) =>
  d ? html`<time datetime="${d.toISOString()}">${d.toISOString().replace('T', ' ').slice(0, 19)}</time>` : '–';
const badge = (status: string) => html`<span class="badge status-${status}">${status.replace('_', ' ')}</span>`;

function controls(run: RunRow, csrf: string, action: string): SafeHtml {
  if (TERMINAL_RUN_STATUSES.includes(run.status)) return html``;
  const button = (name: 'pause' | 'resume' | 'stop', label: string) =>
    html`<button type="submit" name="action" value="${name}" class="${name === 'stop' ? 'danger' : ''}">${label}</button>`;
  return html`<form method="post" action="${action}" class="controls" id="controls">
    <input type="hidden" name="csrf" value="${csrf}" />
    ${run.status === 'paused' ? button('resume', 'Resume') : button('pause', 'Pause')} ${button('stop', 'Stop')}
  </form>`;
}

export const runPageRoutes: FastifyPluginAsync<GatewayDeps & { csrf: Csrf }> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const { csrf } = deps;
  const read = { access: 'user', scope: 'runs:read', sessionCookie: true } as const;

  r.get(
    '/console/runs',
    {
      config: read,
      schema: {
        querystring: z.object({
          status: z.enum(RUN_STATUSES).or(z.literal('')).optional(),
          workflow: z.string().max(100).optional(),
          since: z.enum(['1h', '24h', '7d', 'all']).default('all'),
        }),
      },
    },
    async (req, reply) => {
      const me = signedIn(req, csrf);
      const { status, workflow, since } = req.query;
      const [runs, workflows] = await Promise.all([
        listRuns(db, {
          ownerId: me.principal.userId,
          workflowId: workflow || undefined,
          status: status ? [status] : undefined,
          createdAfter: SINCE[since] ? new Date(Date.now() - SINCE[since]) : undefined,
          limit: 100,
        }),
        listWorkflows(db, me.principal.userId, { limit: 200, offset: 0 }),
      ]);
      const names = new Map(workflows.map((w) => [w.id, w.name]));
      const option = (value: string, label: string, current: string | undefined) =>
        html`<option value="${value}" ${value === (current ?? '') ? 'selected' : ''}>${label}</option>`;
      const body = html`<h1>Runs</h1>
        <form method="get" action="/console/runs" class="filters">
          <div class="field">
            <label for="status">Status</label
            ><select id="status" name="status">
              ${option('', 'Any', status)}${RUN_STATUSES.map((s) => option(s, s.replace('_', ' '), status))}
            </select>
          </div>
          <div class="field">
            <label for="workflow">Workflow</label
            ><select id="workflow" name="workflow">
              ${option('', 'Any', workflow)}${workflows.map((w) => option(w.id, w.name, workflow))}
            </select>
          </div>
          <div class="field">
            <label for="since">Started</label
            ><select id="since" name="since">
              ${option('1h', 'In the last hour', since)}${option('24h', 'In the last day', since)}${option('7d', 'In the last week', since)}${option('all', 'Any time', since)}
            </select>
          </div>
          <button type="submit">Filter</button>
        </form>
        ${
          runs.length === 0
            ? html`<p class="empty">No runs match.</p>`
            : html`<table class="runs">
                <caption class="sr-only">
                  Runs, newest first
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Run</th>
                    <th scope="col">Workflow</th>
                    <th scope="col">Status</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  ${runs.map(
                    (run) =>
                      html`<tr>
                        <td><a href="/console/runs/${run.id}">${run.id}</a></td>
                        <td>${names.get(run.workflowId) ?? run.workflowId}</td>
                        <td>${badge(run.status)}</td>
                        <td>${when(run.createdAt)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }`;
      return reply.type('text/html; charset=utf-8').send(page({ title: 'Runs', body, signedIn: me }));
    },
  );

  r.get('/console/runs/:id', { config: read, schema: { params: IdParams } }, async (req, reply) => {
    const me = signedIn(req, csrf);
    const run = await ownRun(db, me.principal, req.params.id);
    const plan = expandPlan(StoredPlanSchema.parse(run.plan));
    const viewer = { userId: me.principal.userId, groups: me.principal.groups };
    const [executions, items, events, open] = await Promise.all([
      listNodeExecutions(db, run.id),
      countItemExecutions(db, run.id),
      listRunEvents(db, run.id, 0, TIMELINE_EVENTS),
      listRequests(db, viewer, { status: 'open', runId: run.id, limit: 200 }),
    ]);
    const view = runView(run, plan.nodes, executions, items);
    const statuses = new Map<string, DisplayStatus>(view.nodes.map((n) => [n.nodeId, n.status]));
    for (const request of open) statuses.set(request.nodeId, 'waiting');
    const names = new Map(plan.nodes.map((n) => [n.id, n.name]));
    const lastSeq = events.at(-1)?.seq ?? 0;
    const body = html`<div class="run" id="run" data-run="${run.id}" data-after="${lastSeq}">
      <h1>Run <span class="mono">${run.id}</span></h1>
      <p>
        Status: <span id="run-status">${badge(run.status)}</span> · created ${when(run.createdAt)} ·
        <a href="/console/runs?workflow=${run.workflowId}">more runs of this workflow</a>
      </p>
      ${controls(run, me.csrf, `/console/runs/${run.id}/control`)}
      <p class="live" id="live-state" role="status">Live updates are off.</p>
      <div class="graph-wrap">${renderGraph(plan, statuses)}</div>
      <section id="details" class="details-panel" aria-live="polite">
        <h2>Node details</h2>
        <p>Select a node in the graph to see its input, output and error.</p>
      </section>
      <section>
        <h2>Timeline</h2>
        <ol id="timeline" class="timeline">
          ${events.map(
            (e) =>
              html`<li data-seq="${e.seq}">
                ${when(e.createdAt)} <span class="event">${e.type.replace(/_/g, ' ')}</span>${
                  e.nodeId ? html` <span class="node-name">${names.get(e.nodeId) ?? e.nodeId}</span>` : ''
                }
              </li>`,
          )}
        </ol>
      </section>
      <ul hidden id="node-names">
        ${plan.nodes.map((n) => html`<li data-node="${n.id}">${n.name}</li>`)}
      </ul>
    </div>`;
    return reply.type('text/html; charset=utf-8').send(page({ title: `Run ${run.id}`, body, scripts: ['run.js'], signedIn: me }));
  });

  r.get(
    '/console/runs/:id/nodes/:nodeId',
    {
      config: read,
      schema: {
        params: IdParams.extend({ nodeId: z.string().min(1).max(200) }),
        querystring: z.object({ full: z.enum(['1']).optional() }),
      },
    },
    async (req) => {
      const run = await ownRun(db, principalOf(req), req.params.id);
      const plan = expandPlan(StoredPlanSchema.parse(run.plan));
      const node = plan.nodes.find((n) => n.id === req.params.nodeId);
      if (!node) throw new ApiError('NOT_FOUND', `Node ${req.params.nodeId} of run ${run.id} not found`);
      const [executions, items] = await Promise.all([listNodeExecutions(db, run.id), countItemExecutions(db, run.id)]);
      const view = runView(run, [node], executions, items).nodes[0]!;
      const full = req.query.full === '1';
      // A value offloaded to the payload table shows its stored preview until the whole of it is asked for.
      const shown = async (value: unknown) => {
        if (isPayloadRef(value) && !full) return { text: value.preview, truncated: true, size: value.size };
        return preview(full ? await resolvePayloads(db, run.id, value) : value, full);
      };
      return {
        nodeId: view.nodeId,
        name: view.name,
        type: view.type,
        status: view.status,
        attempt: view.attempt,
        startedAt: view.startedAt,
        finishedAt: view.finishedAt,
        durationMs: view.durationMs,
        items: view.items ?? null,
        input: await shown(view.input),
        output: await shown(view.output),
        error: await shown(view.error),
      };
    },
  );

  r.post(
    '/console/runs/:id/control',
    { config: { access: 'user', scope: 'runs:write', sessionCookie: true }, schema: { params: IdParams, body: FormBody } },
    async (req, reply) => {
      const { principal } = checkFormPost(req, csrf, req.body.csrf);
      const action = req.body.action;
      if (action !== 'pause' && action !== 'resume' && action !== 'stop')
        throw new ApiError('VALIDATION_FAILED', 'Choose pause, resume or stop');
      await superviseOwnRun({ db, client: deps.temporal.client }, principal, { runId: req.params.id, action, via: 'api' });
      return reply.redirect(`/console/runs/${req.params.id}`, 303);
    },
  );
};
