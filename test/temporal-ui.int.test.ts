// What an operator sees in the Temporal Web UI, read through the Temporal client: the run's workflow id is its run
// id (no doubled `run-run_` prefix), its summary names the Loom workflow and trigger, `LoomWorkflowName` filters it,
// and each node's activity carries a summary with the node's name and type (and loop item) instead of `executeNode`.
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoomWorkflowName } from '../workflows/search-attributes.js';
import { edge } from './support/documents.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { runToEnd } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
let peer: HttpPeer;
beforeAll(async () => {
  stack = await startTestStack();
  peer = await startHttpPeer((app) => app.post('/orders', async () => ({ ok: true })));
});
afterAll(async () => {
  await peer?.close();
  await stack?.close();
});

/** The summaries of the activities the run scheduled, decrypted with the stack's codec (user metadata is a payload). */
async function activitySummaries(history: temporal.api.history.v1.IHistory): Promise<string[]> {
  const summaries: string[] = [];
  for (const event of history.events ?? []) {
    const summary = event.userMetadata?.summary;
    if (!event.activityTaskScheduledEventAttributes || !summary) continue;
    const [decoded] = await stack.codec.decode([summary]);
    summaries.push(JSON.parse(Buffer.from(decoded!.data!).toString('utf8')) as string);
  }
  return summaries;
}

describe('the Temporal Web UI', () => {
  it("shows the run by its own id, the workflow's name and trigger, and each node by name and type", async () => {
    const name = `Order sync ${Date.now()}`;
    const run = await runToEnd(
      stack.api,
      {
        name,
        nodes: [
          { id: 'start', type: 'trigger.manual' },
          {
            id: 'create',
            name: 'Create order',
            type: 'http.request',
            config: { method: 'POST', url: `${peer.url}/orders` },
            execution: 'activity',
          },
          { id: 'loop', type: 'flow.for_each', config: { items: '{{ [1, 2] }}' } },
          { id: 'each', name: 'Each order', type: 'http.request', parent: 'loop', config: { method: 'POST', url: `${peer.url}/orders` } },
        ],
        edges: [edge('start', 'create'), edge('create', 'loop'), edge('loop', 'each', 'item')],
      },
      {},
    );
    expect(run.status).toBe('completed');
    expect(run.temporalWorkflowId).toBe(run.id);
    expect(run.id).toMatch(/^run_/);

    const handle = stack.temporal.client.workflow.getHandle(run.temporalWorkflowId);
    const description = await handle.describe();
    expect(await description.staticSummary()).toBe(`${name} · manual`);
    expect(await description.staticDetails()).toContain(run.id);
    expect(description.typedSearchAttributes.get(LoomWorkflowName)).toBe(name);

    const summaries = await activitySummaries(await handle.fetchHistory());
    expect(summaries).toEqual(
      expect.arrayContaining(['Create order (http.request)', 'Each order (http.request) item 0', 'Each order (http.request) item 1']),
    );
    // Loom's own bookkeeping says what it records.
    expect(summaries).toEqual(
      expect.arrayContaining([expect.stringMatching(/^record run running/), expect.stringMatching(/^record run completed/)]),
    );
    expect(summaries).not.toContain('executeNode');

    // Operators filter by the name (visibility is eventually consistent: wait for it).
    let listed: string[] = [];
    for (let i = 0; i < 50 && listed.length === 0; i++) {
      listed = [];
      for await (const w of stack.temporal.client.workflow.list({ query: `LoomWorkflowName = "${name}"` })) listed.push(w.workflowId);
      if (listed.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(listed).toEqual([run.id]);
  });
});
