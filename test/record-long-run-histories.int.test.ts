// Records the histories in test/histories/plan-v2/long-runs: every execution of a run that continues as new
// (workflows/carry-over.ts) while a question waits on a parallel branch, answered after the boundaries. The first
// execution ends by continuing as new, the middle ones start from a carried state with the open request, the last
// completes, so replay.int.test.ts guards each kind of execution of the chain.
// Only when asked: LOOM_RECORD_HISTORIES=1 npx vitest run --project pglite test/record-long-run-histories.int.test.ts
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compiler/compile.js';
import { findWorkflow } from '../db/workflow-store.js';
import { createNodeRegistry } from '../nodes/registry.js';
import { startRun as startTemporalRun } from '../orchestrator/runs.js';
import { edge, httpNode } from './support/documents.js';
import { decodedHistory } from './support/history.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { saveWorkflow, waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

const out = fileURLToPath(new URL('./histories/plan-v2/long-runs', import.meta.url));

describe.runIf(process.env.LOOM_RECORD_HISTORIES === '1')('record long-run histories', () => {
  let stack: TestStack;
  let peer: HttpPeer;
  beforeAll(async () => {
    stack = await startTestStack();
    peer = await startHttpPeer((app) => app.get('/ok', async () => ({ ok: true })));
  });
  afterAll(async () => {
    await stack?.close();
    await peer?.close();
  });

  it('records every execution of a continued run with a question carried over', async () => {
    const steps = Array.from({ length: 12 }, (_, i) => [
      httpNode(`a${i}`, `${peer.url}/ok`),
      { id: `p${i}`, type: 'data.set', config: { assignments: [{ name: 'i', value: `{{ ${i} + 1 }}` }] } },
    ]).flat();
    const nodes = [
      { id: 'start', type: 'trigger.manual' },
      ...steps,
      { id: 'ask', type: 'human.question', config: { question: 'Which way?', options: ['left', 'right'] } },
    ];
    const edges = [...steps.map((n, i) => edge(i === 0 ? 'start' : steps[i - 1]!.id, n.id)), edge('start', 'ask')];
    const document = { name: 'long-question', nodes, edges };
    const workflow = await findWorkflow(stack.database.db, stack.user.id, await saveWorkflow(stack.api, document));
    const { plan } = compile(document, { catalog: createNodeRegistry().catalog, credentials: [] });
    if (!workflow || !plan) throw new Error('the recorded workflow does not compile');
    const deps = { db: stack.database.db, client: stack.temporal.client, taskQueue: stack.taskQueue, runHistoryEvents: 60 };
    const run = await startTemporalRun(deps, { workflow, plan, input: {}, trigger: 'manual' });

    // The chain crosses its boundaries while the question waits; then the question is answered.
    const api = (url: string) => stack.api.inject({ method: 'GET', url });
    for (let deadline = Date.now() + 60_000; ;) {
      const view = (await api(`/v1/runs/${run.id}`)).json<{ nodes: { nodeId: string; status: string }[] }>();
      if (view.nodes.find((n) => n.nodeId === 'p11')?.status === 'completed') break;
      if (Date.now() > deadline) throw new Error('the chain did not finish');
      await new Promise((r) => setTimeout(r, 200));
    }
    const [request] = (await api(`/v1/requests?runId=${run.id}`)).json<{ items: { id: string }[] }>().items;
    const answered = await stack.api.inject({ method: 'POST', url: `/v1/requests/${request!.id}/answer`, payload: { answer: 'left' } });
    expect(answered.statusCode, answered.body).toBe(200);
    expect((await waitForRun(stack.api, run.id)).status).toBe('completed');

    const executions: { runId: string }[] = [];
    for await (const e of stack.temporal.client.workflow.list({ query: `WorkflowId = "${run.temporalWorkflowId}"` })) executions.push(e);
    expect(executions.length).toBeGreaterThanOrEqual(3);
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    // Oldest first: list order is newest first.
    for (const [i, e] of executions.reverse().entries()) {
      const history = await decodedHistory(
        await stack.temporal.client.workflow.getHandle(run.temporalWorkflowId, e.runId).fetchHistory(),
        stack.codec,
      );
      await writeFile(path.join(out, `question-carried-${i + 1}.json`), historyToJSON(history));
    }
  }, 120_000);
});
