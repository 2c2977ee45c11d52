// A gateway's LISTEN connection survives the database dropping it (pg_terminate_backend, a failover): it comes
// back on its own, keeps every subscription, and says so, because notifications sent while it was down are lost
// and live streams must re-read then: an SSE stream gets the event whose notification was lost, and a live inbox
// its list afresh. Needs a server database: the postgres project.
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../db/client.js';
import { createPostgresDatabase, testDatabaseKind } from './support/database.js';
import { startRun } from './support/runs.js';
import { readSse } from './support/sse.js';
import { startTestStack } from './support/stack.js';

const postgres = testDatabaseKind() === 'postgres';

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!postgres)('connections the database drops', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function open(): Promise<{ handle: DatabaseHandle; admin: pg.Client }> {
    const created = await createPostgresDatabase();
    cleanups.push(created.drop);
    const handle = await openDatabase({ kind: 'postgres', url: created.url });
    cleanups.push(() => handle.close());
    const admin = new pg.Client({ connectionString: created.url });
    await admin.connect();
    cleanups.push(() => admin.end());
    return { handle, admin };
  }
  const dropOthers = (admin: pg.Client) =>
    admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');

  it('a pooled connection dropped while checked out (mid-transaction) fails its queries, never the process', async () => {
    const { handle, admin } = await open();
    // Without a listener of its own, the client's 'error' event would be thrown as an uncaught exception here.
    const outcome = handle.db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('application_name', 'loom-drop-me', false)`);
      await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'loom-drop-me'`);
      await new Promise((r) => setTimeout(r, 300));
      await tx.execute(sql`select 1`);
    });
    await expect(outcome).rejects.toThrow();
    // The pool dropped that client; the next query takes a new one.
    await handle.ping();
  });

  it('reconnects, keeps its channels and tells followers to re-read', async () => {
    const { handle, admin } = await open();
    const heard: string[] = [];
    let resumed = 0;
    await handle.listen('loom_test_channel', (payload) => heard.push(payload));
    handle.onListenResumed(() => resumed++);
    await admin.query(`notify loom_test_channel, 'before'`);
    await until(() => heard.includes('before'));

    await dropOthers(admin);
    await until(() => resumed === 1);
    await admin.query(`notify loom_test_channel, 'after'`);
    await until(() => heard.includes('after'));
    // The pool lost its connections too; the next query takes a new one.
    await handle.ping();

    // Twice: the second drop is handled like the first (the reconnect set itself up again).
    await dropOthers(admin);
    await until(() => resumed === 2);
    await admin.query(`notify loom_test_channel, 'again'`);
    await until(() => heard.includes('again'));
    expect(heard).toEqual(['before', 'after', 'again']);
  });
});

describe.skipIf(!postgres)('live streams after the database drops every connection', () => {
  const LOST = JSON.stringify({ message: 'written while LISTEN was down' });
  it('an SSE stream gets an event whose notification was lost, and a live inbox its list again', async () => {
    const stack = await startTestStack();
    try {
      const base = await stack.app.listen({ host: '127.0.0.1', port: 0 });
      const runId = await startRun(stack.api, {
        name: 'waits',
        nodes: [
          { id: 'start', type: 'trigger.manual' },
          { id: 'ok', type: 'human.approval', config: { message: 'Go?' } },
        ],
        edges: [{ id: 'e', source: 'start', target: 'ok' }],
      });
      const ws = await stack.app.injectWS('/v1/ws', { headers: stack.user.headers });
      const heard: { type: string }[] = [];
      ws.on('message', (m: Buffer) => heard.push(JSON.parse(m.toString()) as { type: string }));
      ws.send(JSON.stringify({ type: 'subscribe_inbox' }));

      const seen: string[] = [];
      const hangUp = new AbortController();
      const streaming = (async () => {
        for await (const e of readSse(`${base}/v1/runs/${runId}/events`, {
          authorization: stack.user.headers.authorization,
          signal: hangUp.signal,
        }))
          seen.push(e.data.type === 'progress' ? JSON.stringify(e.data.data) : e.data.type);
      })().catch(() => undefined);
      await until(() => seen.includes('approval_requested') && heard.some((m) => m.type === 'inbox'));

      // An event written without its notification (as one written while the LISTEN connection was down is).
      await stack.database.db.execute(sql`
        with bumped as (update runs set event_seq = event_seq + 1 where id = ${runId} returning event_seq)
        insert into run_events (run_id, seq, key, type, data)
        select ${runId}, event_seq, 'lost-notification', 'progress', ${LOST}::jsonb from bumped`);
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).not.toContain(LOST);

      await stack.database.db.execute(
        sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
      );
      await until(() => seen.includes(LOST));
      await until(() => heard.filter((m) => m.type === 'inbox').length === 2);
      hangUp.abort();
      await streaming;
      ws.terminate();
    } finally {
      await stack.close();
    }
  });
});
