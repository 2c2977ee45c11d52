// A fresh, migrated database per test file: in-memory PGlite, or a new database on the PostgreSQL server
// named by DATABASE_URL (dropped again at the end), depending on the project running the file.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../db/client.js';

export function testDatabaseKind(): 'pglite' | 'postgres' {
  return process.env.LOOM_TEST_DB === 'postgres' ? 'postgres' : 'pglite';
}

/** Creates an empty database on the DATABASE_URL server and returns its URL and a function that drops it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('LOOM_TEST_DB=postgres needs DATABASE_URL');
  const name = `loom_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function openTestDatabase(): Promise<DatabaseHandle> {
  if (testDatabaseKind() === 'pglite') return openDatabase({ kind: 'pglite', dataDir: undefined });
  const created = await createPostgresDatabase();
  const handle = await openDatabase({ kind: 'postgres', url: created.url });
  return {
    ...handle,
    async close() {
      await handle.close();
      await created.drop();
    },
  };
}
