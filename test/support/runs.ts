// Runs through the API, as a client makes them: save a workflow, start a run of it, poll it until it ends.
import type { RunView } from '../../apps/gateway/views.js';
import type { Api } from './users.js';

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'terminated', 'timed_out']);

/** Saves a workflow document as the caller; throws unless the API accepts it. Returns the workflow id. */
export async function saveWorkflow(api: Api, document: object): Promise<string> {
  const res = await api.inject({ method: 'POST', url: '/v1/workflows', payload: document });
  if (res.statusCode !== 201) throw new Error(`POST /v1/workflows answered ${res.statusCode}: ${res.body}`);
  return res.json<{ id: string }>().id;
}

/** Starts a run of a saved workflow; without `input` the request carries none. Throws unless accepted; returns the run id. */
export async function startRunOf(api: Api, workflowId: string, input?: unknown): Promise<string> {
  const res = await api.inject({ method: 'POST', url: `/v1/workflows/${workflowId}/runs`, payload: input === undefined ? {} : { input } });
  if (res.statusCode !== 202) throw new Error(`POST /v1/workflows/${workflowId}/runs answered ${res.statusCode}: ${res.body}`);
  return res.json<{ id: string }>().id;
}

/** Saves `document` and starts a run of it: the run id. */
export async function startRun(api: Api, document: object, input?: unknown): Promise<string> {
  return startRunOf(api, await saveWorkflow(api, document), input);
}

/** Saves `document`, runs it and waits until the run ends. */
export async function runToEnd(api: Api, document: object, options: { input?: unknown; timeoutMs?: number } = {}): Promise<RunView> {
  return waitForRun(api, await startRun(api, document, options.input), options.timeoutMs);
}

export async function waitForRun(app: Api, runId: string, timeoutMs = 30_000): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await app.inject({ method: 'GET', url: `/v1/runs/${runId}` });
    if (res.statusCode !== 200) throw new Error(`GET /v1/runs/${runId} answered ${res.statusCode}: ${res.body}`);
    const run = res.json<RunView>();
    if (TERMINAL.has(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
