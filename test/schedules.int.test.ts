// Schedules on Temporal (issue #14): activating a workflow with a schedule trigger writes a Temporal Schedule whose
// ticks are ordinary Loom runs (trigger `schedule`); the API shows next run times and pauses, resumes and fires it;
// deactivation leaves no schedule and no runs; a tick that raced a deactivation starts nothing; pause on failure
// pauses; another user sees none of it; a too-frequent interval and a bad cron or time zone are refused.
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { ScheduleNotFoundError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createScheduledRunActivities, runIdOfTick } from '../activities/scheduled-run.js';
import { apiErrorOf } from '../apps/gateway/errors.js';
import type { RunView } from '../apps/gateway/views.js';
import { compile } from '../compiler/compile.js';
import { createOwnerNodes } from '../db/custom-node-registry.js';
import { listUsage, utcDay } from '../db/usage-store.js';
import { setActiveVersion, updateWorkflow } from '../db/workflow-store.js';
import { sandboxRuntime } from '../nodes/custom/runtime.js';
import { createNodeRegistry } from '../nodes/registry.js';
import { OrchestratorError } from '../orchestrator/errors.js';
import { checkSchedules, removeSchedules, scheduleIdOf, syncSchedules } from '../orchestrator/schedules.js';
import { edge } from './support/documents.js';
import { decodedHistory } from './support/history.js';
import { saveWorkflow, waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';
import type { TestUser } from './support/users.js';

let stack: TestStack;
let other: TestUser;
const nodes = createNodeRegistry();
const { catalog } = nodes;
beforeAll(async () => {
  stack = await startTestStack({ scheduleMinIntervalSeconds: 1 });
  other = await stack.createUser({ name: 'other' });
}, 60_000);
afterAll(async () => stack?.close(), 30_000);

const scheduleDeps = () => ({ db: stack.database.db, client: stack.temporal.client, taskQueue: stack.taskQueue, minIntervalSeconds: 1 });

/** A schedule trigger feeding a Set node (or a failing node), so a tick's run has downstream work to show. */
const scheduled = (
  name: string,
  config: object,
  then: object = { type: 'data.set', config: { assignments: [{ name: 'ticked', value: true }] } },
) => ({
  name,
  nodes: [
    { id: 'tick', type: 'trigger.schedule', config },
    { id: 'after', ...then },
  ],
  edges: [edge('tick', 'after')],
});
/** Never fires by itself in a test's lifetime: for the runs that `trigger` starts. */
const yearly = { mode: 'cron', cron: '0 0 1 1 *' };

/** Activation and deactivation through the API, as an editor does them: what they did to the Temporal Schedules. */
async function activate(workflowId: string, owner: TestUser = stack.user) {
  const res = await stack.as(owner).inject({ method: 'POST', url: `/v1/workflows/${workflowId}/activate` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ schedules: unknown[] }>().schedules;
}
async function deactivate(workflowId: string, owner: TestUser = stack.user) {
  const res = await stack.as(owner).inject({ method: 'POST', url: `/v1/workflows/${workflowId}/deactivate` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ schedules: unknown[] }>().schedules;
}

/**
 * Replays a closed tick's history with the current workflow code (loomScheduledRun stays deterministic); with
 * LOOM_RECORD_HISTORIES=1 also keeps it in test/histories, which replay.int.test.ts replays from then on.
 */
async function replayTick(tickWorkflowId: string, name: string) {
  const handle = stack.temporal.client.workflow.getHandle(tickWorkflowId);
  await handle.result().catch(() => undefined);
  const history = await decodedHistory(await handle.fetchHistory(), stack.codec);
  if (process.env.LOOM_RECORD_HISTORIES === '1') {
    const dir = fileURLToPath(new URL('./histories/plan-v2/scheduled', import.meta.url));
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, `${name}.json`), historyToJSON(history));
  }
  await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, `replay-${name}`);
}

type RunSummary = Pick<RunView, 'id' | 'status' | 'trigger' | 'createdAt'>;
async function runsOf(workflowId: string): Promise<RunSummary[]> {
  const res = await stack.api.inject({ method: 'GET', url: `/v1/runs?workflowId=${workflowId}&limit=200` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: RunSummary[] }>().items;
}
/** Polls until `ready` holds (bounded): the value it held for. */
async function until<T>(what: string, read: () => Promise<T>, ready: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ready(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(value).slice(0, 400)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const finished = (runs: RunSummary[]) => runs.filter((r) => r.status !== 'queued' && r.status !== 'running');

interface ScheduleBody {
  activeVersion: number;
  schedules: {
    scheduleId: string;
    triggerNodeId: string;
    version: number;
    when: unknown;
    overlap: string;
    paused: boolean;
    nextRunTimes: string[];
    recentRuns: { runId: string }[];
  }[];
}
const getSchedule = (workflowId: string, as = stack.api) => as.inject({ method: 'GET', url: `/v1/workflows/${workflowId}/schedule` });
const post = (workflowId: string, action: string, as = stack.api) =>
  as.inject({ method: 'POST', url: `/v1/workflows/${workflowId}/schedule/${action}` });

describe('schedules', () => {
  it('fires an interval schedule as Loom runs, shows it, pauses and resumes it', async () => {
    const id = await saveWorkflow(stack.api, scheduled('every second', { mode: 'interval', everySeconds: 1 }));
    expect(await activate(id)).toEqual([{ scheduleId: scheduleIdOf(id, 'tick'), triggerNodeId: 'tick', change: 'created' }]);

    const ran = await until(
      'two scheduled runs',
      () => runsOf(id),
      (runs) => finished(runs).length >= 2,
    );
    for (const summary of finished(ran).slice(0, 2)) {
      const run = await waitForRun(stack.api, summary.id);
      expect(run).toMatchObject({
        status: 'completed',
        trigger: 'schedule',
        input: { scheduledAt: expect.any(String), triggerNodeId: 'tick' },
      });
      expect(run.nodes.find((n) => n.nodeId === 'after')).toMatchObject({ status: 'completed', output: { ticked: true } });
    }

    // Visible in Temporal itself, as the Web UI shows it.
    const described = await stack.temporal.client.schedule.getHandle(scheduleIdOf(id, 'tick')).describe();
    expect(described.spec.intervals?.[0]?.every).toBe(1000);
    expect(described.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: 60_000, pauseOnFailure: false });
    expect(described.action).toMatchObject({
      workflowType: 'loomScheduledRun',
      args: [{ workflowId: id, triggerNodeId: 'tick', version: 1 }],
    });

    const view = await getSchedule(id);
    expect(view.statusCode, view.body).toBe(200);
    const [schedule] = view.json<ScheduleBody>().schedules;
    expect(schedule).toMatchObject({
      scheduleId: scheduleIdOf(id, 'tick'),
      triggerNodeId: 'tick',
      version: 1,
      when: { mode: 'interval', everySeconds: 1 },
      overlap: 'skip',
      paused: false,
    });
    expect(schedule!.nextRunTimes).toHaveLength(5);
    expect(Date.parse(schedule!.nextRunTimes[0]!)).toBeGreaterThan(Date.now() - 2_000);
    // Its recent actions name the Loom runs they started (the latest may still be recording its run).
    expect(schedule!.recentRuns.length).toBeGreaterThan(0);
    const recent = schedule!.recentRuns.map((r) => r.runId);
    await replayTick(described.info.recentActions[0]!.action.workflow.workflowId, 'completed-tick');
    await until(
      'the recent ticks as runs',
      () => runsOf(id),
      (runs) => recent.every((runId) => runs.some((r) => r.id === runId)),
    );

    expect((await post(id, 'pause')).json()).toEqual({ workflowId: id, schedules: [scheduleIdOf(id, 'tick')] });
    expect((await getSchedule(id)).json<ScheduleBody>().schedules[0]?.paused).toBe(true);
    // A tick taken just before the pause may still be recording its run; after that, nothing new for a while.
    await sleep(1_500);
    const paused = (await runsOf(id)).length;
    await sleep(3_000);
    expect((await runsOf(id)).length).toBe(paused);

    expect((await post(id, 'unpause')).statusCode).toBe(200);
    await until(
      'runs again after unpause',
      () => runsOf(id),
      (runs) => runs.length >= paused + 2,
    );
    await deactivate(id);
  }, 60_000);

  it('runs at once on trigger, follows a new active version, and is gone after removal', async () => {
    const id = await saveWorkflow(stack.api, scheduled('yearly', yearly));
    await activate(id);
    expect(await runsOf(id)).toEqual([]);
    expect((await post(id, 'trigger')).statusCode).toBe(200);
    const [first] = await until(
      'the triggered run',
      () => runsOf(id),
      (runs) => finished(runs).length === 1,
    );
    expect(first).toMatchObject({ trigger: 'schedule', status: 'completed' });

    // A new version is saved: nothing changes until it is activated, then the schedule runs it.
    const saved = await updateWorkflow(stack.database.db, stack.user.id, id, {
      name: 'yearly',
      document: scheduled('yearly', { mode: 'cron', cron: '30 4 * * 1-5', timezone: 'Europe/Berlin', overlap: 'bufferOne' }),
    });
    expect(saved.kind).toBe('updated');
    expect((await getSchedule(id)).json<ScheduleBody>().schedules[0]).toMatchObject({ version: 1, when: { cron: '0 0 1 1 *' } });
    expect(await activate(id)).toEqual([{ scheduleId: scheduleIdOf(id, 'tick'), triggerNodeId: 'tick', change: 'updated' }]);
    expect((await getSchedule(id)).json<ScheduleBody>().schedules[0]).toMatchObject({
      version: 2,
      when: { mode: 'cron', cron: '30 4 * * 1-5', timezone: 'Europe/Berlin' },
      overlap: 'bufferOne',
    });
    const described = await stack.temporal.client.schedule.getHandle(scheduleIdOf(id, 'tick')).describe();
    expect(described.spec.timezone).toBe('Europe/Berlin');

    // A version whose trigger node is renamed replaces the schedule: the old node's one is deleted.
    await updateWorkflow(stack.database.db, stack.user.id, id, {
      name: 'yearly',
      document: {
        ...scheduled('yearly', yearly),
        nodes: [
          { id: 'tock', type: 'trigger.schedule', config: yearly },
          { id: 'after', type: 'flow.noop' },
        ],
        edges: [edge('tock', 'after')],
      },
    });
    expect(await activate(id)).toEqual([
      { scheduleId: scheduleIdOf(id, 'tock'), triggerNodeId: 'tock', change: 'created' },
      { scheduleId: scheduleIdOf(id, 'tick'), triggerNodeId: 'tick', change: 'deleted' },
    ]);

    expect(await deactivate(id)).toEqual([{ scheduleId: scheduleIdOf(id, 'tock'), triggerNodeId: 'tock', change: 'deleted' }]);
    for (const node of ['tick', 'tock'])
      await expect(stack.temporal.client.schedule.getHandle(scheduleIdOf(id, node)).describe()).rejects.toBeInstanceOf(
        ScheduleNotFoundError,
      );
    // Removal is idempotent, and an inactive workflow has no schedule to show or fire.
    expect(await removeSchedules(scheduleDeps(), id)).toEqual([]);
    for (const res of [await getSchedule(id), await post(id, 'trigger'), await post(id, 'pause')]) {
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('NO_SCHEDULE');
    }
    await sleep(1_000);
    expect(await runsOf(id)).toHaveLength(1);
  }, 60_000);

  it('deletes the schedule with the workflow, and keeps the runs it started readable', async () => {
    const id = await saveWorkflow(stack.api, scheduled('deleted', yearly));
    await activate(id);
    expect((await post(id, 'trigger')).statusCode).toBe(200);
    const [run] = await until(
      'the triggered run',
      () => runsOf(id),
      (runs) => finished(runs).length === 1,
    );
    expect((await stack.api.inject({ method: 'DELETE', url: `/v1/workflows/${id}` })).statusCode).toBe(204);
    await expect(stack.temporal.client.schedule.getHandle(scheduleIdOf(id, 'tick')).describe()).rejects.toBeInstanceOf(
      ScheduleNotFoundError,
    );
    expect((await stack.api.inject({ method: 'GET', url: `/v1/workflows/${id}/schedule` })).statusCode).toBe(404);
    expect((await stack.api.inject({ method: 'GET', url: `/v1/runs/${run!.id}` })).json()).toMatchObject({ status: 'completed' });
  });

  it('starts nothing from a tick of a workflow deactivated in between', async () => {
    const id = await saveWorkflow(stack.api, scheduled('raced', { mode: 'interval', everySeconds: 1 }));
    // Activation read the workflow, then a deactivation won the race before its schedule was written: every tick
    // of that schedule finds the workflow inactive.
    const { db } = stack.database;
    const workflow = (await setActiveVersion(db, stack.user.id, id, 1))!;
    const plan = compile(workflow.document, { catalog, credentials: [] }).plan!;
    await setActiveVersion(db, stack.user.id, id, null);
    await syncSchedules(scheduleDeps(), { workflow, version: 1, plan });
    const handle = stack.temporal.client.schedule.getHandle(scheduleIdOf(id, 'tick'));
    const taken = await until(
      'two ticks',
      () => handle.describe(),
      (d) => d.info.recentActions.length >= 2,
    );
    for (const action of taken.info.recentActions)
      expect(await stack.temporal.client.workflow.getHandle(action.action.workflow.workflowId).result()).toEqual({
        status: 'skipped',
        reason: 'the workflow is not active',
      });
    expect(await runsOf(id)).toEqual([]);
    await replayTick(taken.info.recentActions[0]!.action.workflow.workflowId, 'skipped-tick');
    await removeSchedules(scheduleDeps(), id);
  }, 60_000);

  it('pauses a schedule that pauses on failure when its run fails', async () => {
    const id = await saveWorkflow(
      stack.api,
      scheduled(
        'failing',
        { mode: 'interval', everySeconds: 1, pauseOnFailure: true },
        { type: 'flow.stop_error', config: { message: 'no' } },
      ),
    );
    await activate(id);
    const handle = stack.temporal.client.schedule.getHandle(scheduleIdOf(id, 'tick'));
    const paused = await until(
      'the schedule paused',
      () => handle.describe(),
      (d) => d.state.paused,
      30_000,
    );
    expect(paused.state.note).toBeTruthy();
    const runs = await runsOf(id);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(await waitForRun(stack.api, runs[0]!.id)).toMatchObject({ status: 'failed', trigger: 'schedule' });
    expect((await getSchedule(id)).json<ScheduleBody>().schedules[0]?.paused).toBe(true);
    await replayTick(paused.info.recentActions.at(-1)!.action.workflow.workflowId, 'failed-tick');
    await sleep(2_000);
    expect((await runsOf(id)).length).toBe(runs.length);
    await deactivate(id);
  }, 60_000);

  it('records one run per tick however often its activity is retried, counted once', async () => {
    const id = await saveWorkflow(stack.api, scheduled('retried', yearly));
    await setActiveVersion(stack.database.db, stack.user.id, id, 1);
    const { prepareScheduledRun } = createScheduledRunActivities({
      db: stack.database.db,
      owners: createOwnerNodes(stack.database.db, nodes, sandboxRuntime.run),
    });
    const tick = {
      workflowId: id,
      ownerId: stack.user.id,
      version: 1,
      triggerNodeId: 'tick',
      tickWorkflowId: `tick-${id}-tick-2026-01-01T00:00:00Z`,
      scheduledAt: '2026-01-01T00:00:00.000Z',
    };
    const runsToday = async () =>
      (await listUsage(stack.database.db, { userId: stack.user.id, from: utcDay(new Date()), to: utcDay(new Date()) }))[0]?.runs ?? 0;
    const before = await runsToday();
    const first = await prepareScheduledRun(tick);
    const again = await prepareScheduledRun(tick);
    expect(first).toMatchObject({ kind: 'start', runId: runIdOfTick(tick.tickWorkflowId), input: { scheduledAt: tick.scheduledAt } });
    expect(again).toEqual(first);
    expect((await runsOf(id)).map((r) => [r.id, r.trigger])).toEqual([[runIdOfTick(tick.tickWorkflowId), 'schedule']]);
    expect(await runsToday()).toBe(before + 1);
    // Once the workflow moved on, a new tick of the old version starts nothing.
    await setActiveVersion(stack.database.db, stack.user.id, id, 2);
    expect(await prepareScheduledRun({ ...tick, tickWorkflowId: `${tick.tickWorkflowId}-next` })).toEqual({
      kind: 'skipped',
      reason: 'version 1 is no longer active',
    });
  });

  it("shows another user none of a workflow's schedule", async () => {
    const id = await saveWorkflow(stack.api, scheduled('mine', yearly));
    await activate(id);
    const as = stack.as(other);
    for (const res of [
      await getSchedule(id, as),
      await post(id, 'pause', as),
      await post(id, 'unpause', as),
      await post(id, 'trigger', as),
    ]) {
      expect(res.statusCode, res.body).toBe(404);
      expect(res.body).not.toContain(scheduleIdOf(id, 'tick'));
    }
    expect((await stack.temporal.client.schedule.getHandle(scheduleIdOf(id, 'tick')).describe()).state.paused).toBe(false);
    await sleep(500);
    expect(await runsOf(id)).toEqual([]);
    await deactivate(id);
  }, 30_000);

  it('refuses an interval below the minimum (SCHEDULE_TOO_FREQUENT, 422), and a bad cron or time zone at compile (422)', async () => {
    const id = await saveWorkflow(stack.api, scheduled('too often', { mode: 'interval', everySeconds: 5 }));
    const workflow = (await setActiveVersion(stack.database.db, stack.user.id, id, 1))!;
    const plan = compile(workflow.document, { catalog, credentials: [] }).plan!;
    const refused = await syncSchedules({ ...scheduleDeps(), minIntervalSeconds: 60 }, { workflow, version: 1, plan }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(OrchestratorError);
    expect(apiErrorOf(refused)).toMatchObject({ code: 'SCHEDULE_TOO_FREQUENT', status: 422 });
    await expect(stack.temporal.client.schedule.getHandle(scheduleIdOf(id, 'tick')).describe()).rejects.toBeInstanceOf(
      ScheduleNotFoundError,
    );
    // A cron expression is held to the minimum by the shortest gap between the minutes it fires at.
    const everyMinute = compile(scheduled('cron', { cron: '* * * * *' }), { catalog, credentials: [] }).plan!;
    expect(() => checkSchedules({ minIntervalSeconds: 120 }, everyMinute)).toThrow(
      expect.objectContaining({ code: 'SCHEDULE_TOO_FREQUENT' }),
    );
    expect(checkSchedules({ minIntervalSeconds: 60 }, everyMinute)).toMatchObject([{ nodeId: 'tick', timing: { minGapSeconds: 60 } }]);

    for (const [config, field] of [
      [{ mode: 'cron', cron: '61 * * * *' }, 'cron'],
      [{ mode: 'cron', cron: '0 9 * *' }, 'cron'],
      [{ mode: 'cron', cron: '0 9 * * *', timezone: 'Mars/Olympus' }, 'timezone'],
      [{ mode: 'interval' }, 'everySeconds'],
    ] as const) {
      const res = await stack.api.inject({ method: 'POST', url: '/v1/workflows', payload: scheduled('bad', config) });
      expect(res.statusCode, res.body).toBe(422);
      const { error } = res.json<{ error: { code: string; details: { errors: { nodeId?: string; path?: unknown[] }[] } } }>();
      expect(error.code).toBe('WORKFLOW_INVALID');
      expect(error.details.errors).toContainEqual(expect.objectContaining({ nodeId: 'tick', path: ['nodes', 0, 'config', field] }));
    }
  }, 30_000);
});
