// A gateway's LISTEN connection survives the database dropping it (pg_terminate_backend, a failover): it comes
// back on its own, keeps every subscription, and says so, because notifications sent while it was down are lost
// and live streams must re-read then. Needs a server database: the postgres project.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../db/client.js';
import { createPostgresDatabase, testDatabaseKind } from './support/database.js';

const postgres = testDatabaseKind() === 'postgres';

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!postgres)('LISTEN after the database drops every connection', () => {
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
