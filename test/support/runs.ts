// Polls a run through the API until it reaches a terminal status.
import type { RunView } from '../../apps/gateway/views.js';
import type { Api } from './users.js';

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'terminated', 'timed_out']);

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
