// recordNodeExecution: a node's row and its events in one statement, with the rules upsertNodeExecution and
// appendRunEvents keep apart: latest state wins, per-run sequence, de-duplication by key, NOTIFY only for news.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/client.js';
import { appendRunEvents, listRunEvents, RUN_EVENTS_CHANNEL, type NewRunEvent } from '../db/event-store.js';
import { recordNodeExecution } from '../db/node-record-store.js';
import { insertRun, listNodeExecutions } from '../db/run-store.js';
import { insertWorkflow } from '../db/workflow-store.js';
import { openTestDatabase } from './support/database.js';

describe('recordNodeExecution', () => {
  let database: DatabaseHandle;
  const notified: string[] = [];

  beforeAll(async () => {
    database = await openTestDatabase();
    await database.listen(RUN_EVENTS_CHANNEL, (payload) => notified.push(payload));
  });
  afterAll(async () => database?.close());

  async function newRun(): Promise<string> {
    const workflow = await insertWorkflow(database.db, { ownerId: 'usr_record', name: 'record', document: {} });
    const plan = { schemaVersion: 1 as const, name: 'p', hash: 'h', settings: { timeoutMs: 1000, variables: {} }, triggers: [], nodes: [] };
    const run = await insertRun(database.db, {
      ownerId: 'usr_record',
      workflowId: workflow.id,
      plan,
      planHash: 'h',
      trigger: 'test',
      input: {},
    });
    return run.id;
  }
  const started = (attempt: number): NewRunEvent => ({
    key: `node_started:a:${attempt}`,
    type: 'node_started',
    nodeId: 'a',
    data: { attempt, input: { x: 1 } },
  });
  const completed: NewRunEvent = { key: 'node_completed:a', type: 'node_completed', nodeId: 'a', data: { output: null, durationMs: 3 } };
  const row = { nodeId: 'a', nodeType: 'bench.echo', attempt: 1, input: { x: 1 }, startedAt: new Date(1_000) };
  const waitForNotice = async (runId: string, count: number) => {
    for (let i = 0; i < 100 && notified.filter((n) => n === runId).length < count; i++) await new Promise((r) => setTimeout(r, 10));
    return notified.filter((n) => n === runId).length;
  };

  it('writes the row and the events together, in order, after events appended elsewhere', async () => {
    const runId = await newRun();
    await appendRunEvents(database.db, runId, [{ key: 'run_started', type: 'run_started', data: {} }]);
    const appended = await recordNodeExecution(
      database.db,
      { ...row, runId, status: 'completed', output: { y: 2 }, finishedAt: new Date(1_250) },
      [started(1), completed],
    );
    expect(appended).toBe(2);
    const events = await listRunEvents(database.db, runId, 0);
    expect(events.map((e) => [e.seq, e.key, e.nodeId])).toEqual([
      [1, 'run_started', null],
      [2, 'node_started:a:1', 'a'],
      [3, 'node_completed:a', 'a'],
    ]);
    expect(events[1]?.data).toEqual({ attempt: 1, input: { x: 1 } });
    const [node] = await listNodeExecutions(database.db, runId);
    expect(node).toMatchObject({ status: 'completed', attempt: 1, input: { x: 1 }, output: { y: 2 }, error: null, durationMs: 250 });
    expect(node?.startedAt?.getTime()).toBe(1_000);
    // The sequence continues for the next writer.
    await appendRunEvents(database.db, runId, [{ key: 'run_completed', type: 'run_completed', data: {} }]);
    expect((await listRunEvents(database.db, runId, 3)).map((e) => e.seq)).toEqual([4]);
  });

  it('skips keys already stored and repeated within the call; notifies only when something is new', async () => {
    const runId = await newRun();
    await recordNodeExecution(database.db, { ...row, runId, status: 'running' }, [started(1)]);
    expect(await waitForNotice(runId, 1)).toBe(1);
    // The outcome repeats the start (as executeNode's does); a retried activity repeats the whole write.
    expect(
      await recordNodeExecution(database.db, { ...row, runId, status: 'completed', output: 5, finishedAt: new Date(1_100) }, [
        started(1),
        completed,
      ]),
    ).toBe(1);
    expect(
      await recordNodeExecution(database.db, { ...row, runId, status: 'completed', output: 5, finishedAt: new Date(1_100) }, [
        started(1),
        completed,
        completed,
      ]),
    ).toBe(0);
    expect((await listRunEvents(database.db, runId, 0)).map((e) => [e.seq, e.key])).toEqual([
      [1, 'node_started:a:1'],
      [2, 'node_completed:a'],
    ]);
    expect(await waitForNotice(runId, 3)).toBe(2);
  });

  it('keeps what a later write does not know, and lets the latest state win', async () => {
    const runId = await newRun();
    const error = { code: 'HTTP_ERROR', message: 'boom' };
    await recordNodeExecution(database.db, { ...row, runId, status: 'running', error, finishedAt: new Date(1_500) }, []);
    // Attempt 2 starts: no input, no times given; the first attempt's stay, the error is cleared.
    await recordNodeExecution(database.db, { runId, nodeId: 'a', nodeType: 'bench.echo', attempt: 2, status: 'running' }, []);
    const [node] = await listNodeExecutions(database.db, runId);
    expect(node).toMatchObject({ status: 'running', attempt: 2, input: { x: 1 }, error: null, durationMs: 500 });
    expect(node?.startedAt?.getTime()).toBe(1_000);
    // A JSON null output is stored as SQL null, as drizzle stores it.
    await recordNodeExecution(
      database.db,
      { ...row, runId, attempt: 2, status: 'completed', output: null, finishedAt: new Date(2_000) },
      [],
    );
    expect((await listNodeExecutions(database.db, runId))[0]).toMatchObject({ status: 'completed', output: null, durationMs: 1_000 });
  });

  it('never sets a node the workflow recorded as cancelled running again', async () => {
    const runId = await newRun();
    await recordNodeExecution(database.db, { ...row, runId, status: 'cancelled' }, [
      { key: 'node_cancelled:a', type: 'node_cancelled', nodeId: 'a' },
    ]);
    expect(await recordNodeExecution(database.db, { ...row, runId, status: 'running' }, [started(1)])).toBe(0);
    expect((await listNodeExecutions(database.db, runId))[0]?.status).toBe('cancelled');
    expect((await listRunEvents(database.db, runId, 0)).map((e) => e.key)).toEqual(['node_cancelled:a']);
  });

  it('writes nothing for a run that does not exist', async () => {
    await expect(recordNodeExecution(database.db, { ...row, runId: 'run_missing', status: 'running' }, [started(1)])).rejects.toThrow();
    expect(await listRunEvents(database.db, 'run_missing', 0)).toEqual([]);
  });
});
