// Gateways and workers that start at once against a fresh PostgreSQL must not run the migrations twice (one of
// them used to crash on `CREATE TABLE "node_executions"`). Needs a server database: the postgres project.
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MIGRATION_LOCK_KEY, openDatabase, type DatabaseHandle } from '../db/client.js';
import { createPostgresDatabase, testDatabaseKind } from './support/database.js';

const postgres = testDatabaseKind() === 'postgres';

describe.skipIf(!postgres)('migrations under an advisory lock', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function freshDatabase() {
    const created = await createPostgresDatabase();
    cleanups.push(created.drop);
    return created.url;
  }

  it('four processes opening a fresh database at once all start, and the migrations ran once', async () => {
    const url = await freshDatabase();
    const handles = await Promise.all([1, 2, 3, 4].map(() => openDatabase({ kind: 'postgres', url })));
    cleanups.push(async () => void (await Promise.all(handles.map((h) => h.close()))));
    const counted = await handles[0]!.db.execute(
      sql`select count(*)::int as n, count(distinct hash)::int as d from drizzle.__drizzle_migrations`,
    );
    const [{ n, d }] = z.object({ rows: z.tuple([z.object({ n: z.number(), d: z.number() })]) }).parse(counted).rows;
    expect(n).toBeGreaterThan(10);
    expect(n).toBe(d);
  });

  it('an open waits while another session holds the migration lock', async () => {
    const url = await freshDatabase();
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    let opened: DatabaseHandle | undefined;
    const opening = openDatabase({ kind: 'postgres', url }).then((h) => (opened = h));
    await new Promise((r) => setTimeout(r, 700));
    expect(opened).toBeUndefined();
    await holder.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    const handle = await opening;
    cleanups.push(() => handle.close());
    await handle.ping();
  });
});
