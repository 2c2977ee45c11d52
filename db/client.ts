// Opens Loom's database: node-postgres when DATABASE_URL is set, otherwise PGlite (a real Postgres in WASM)
// stored under the data folder. Either way the committed migrations are applied before anything else runs.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { sql } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { z } from 'zod';
import { lockDataDir } from './data-dir-lock.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** Where the data lives, for humans: a redacted URL or a folder. */
  location: string;
  /**
   * pgvector is loaded (knowledge-base search uses per-KB HNSW indexes); false: PostgreSQL without the extension,
   * where search is exact cosine over the stored float4 arrays (db/knowledge-vectors.ts).
   */
  vector: VectorSupport | false;
  ping(): Promise<void>;
  /** Subscribes to NOTIFY on a channel; returns the unsubscribe function. */
  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * Calls back each time the LISTEN connection is back after a drop: notifications sent while it was down are lost,
   * so whoever follows something re-reads it then. Returns the unsubscribe function.
   */
  onListenResumed(callback: () => void): () => void;
  close(): Promise<void>;
}

export interface VectorSupport {
  version: string;
  /** pgvector 0.8+: `hnsw.iterative_scan`, so a filtered HNSW scan keeps going until it has enough rows. */
  iterativeScan: boolean;
}

export type DatabaseTarget =
  | { kind: 'postgres'; url: string }
  /** dataDir undefined: in-memory (tests). */
  | { kind: 'pglite'; dataDir: string | undefined };

/** A process's database: DATABASE_URL's PostgreSQL, else the embedded PGlite in the data folder. */
export function databaseTarget(config: { databaseUrl: string | undefined; dataDir: string }): DatabaseTarget {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : { kind: 'pglite', dataDir: path.join(config.dataDir, 'pglite') };
}

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

export async function openDatabase(target: DatabaseTarget): Promise<DatabaseHandle> {
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: target.url, max: 10 });
    // A client that loses its server must not crash the process: an idle one is the pool's ('error' on the pool),
    // but one checked out has no listener of pg-pool's, and a reset socket (ECONNRESET) under a transaction would be
    // an unhandled 'error' event. Its queries fail on their own and the pool drops it on release.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    const db = drizzleNodePg(pool, { schema });
    const vectorSupport = await migrateUnderLock(target.url);
    const listener = createPgListener(target.url);
    return {
      db,
      kind: 'postgres',
      location: redactUrl(target.url),
      vector: vectorSupport,
      ping: async () => void (await db.execute(sql`select 1`)),
      listen: listener.listen,
      onListenResumed: listener.onResumed,
      close: async () => {
        await listener.close();
        await pool.end();
      },
    };
  }
  if (target.dataDir) await mkdir(target.dataDir, { recursive: true });
  const unlock = target.dataDir ? await lockDataDir(target.dataDir) : async () => undefined;
  // PGlite 0.4 ships pgvector as a loadable extension (pinned: the 0.5 line moved it to another package).
  const client = new PGlite({ ...(target.dataDir ? { dataDir: target.dataDir } : {}), extensions: { vector } });
  const db = drizzlePglite(client, { schema });
  let vectorSupport: VectorSupport | false;
  try {
    await client.waitReady;
    await migratePglite(db, { migrationsFolder });
    vectorSupport = await enableVector(db);
  } catch (err) {
    await client.close().catch(() => undefined);
    await unlock();
    throw err;
  }
  return {
    db,
    kind: 'pglite',
    location: target.dataDir ?? 'memory',
    vector: vectorSupport,
    ping: async () => void (await db.execute(sql`select 1`)),
    listen: async (channel, handler) => {
      const unlisten = await client.listen(channel, handler);
      return () => unlisten();
    },
    // In-process: a notification cannot be lost to a dropped connection.
    onListenResumed: () => () => undefined,
    close: async () => {
      await client.close();
      await unlock();
    },
  };
}

/**
 * Several gateways and workers may start at once against a fresh database: without a lock two of them run the same
 * migration and one fails on `CREATE TABLE`. A session-level advisory lock on one dedicated connection serialises
 * the migrations and the extension's creation (`create extension if not exists` races too); whoever waits finds
 * the journal complete and applies nothing. The lock goes with the connection, so a process that dies holding it
 * releases it.
 */
export async function migrateUnderLock(url: string): Promise<VectorSupport | false> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const db = drizzleNodePg(client, { schema });
    await migrateNodePg(db, { migrationsFolder });
    return await enableVector(db);
  } finally {
    // Ending the session releases the lock even when the unlock itself cannot be sent.
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

/** The advisory lock key of Loom's migrations (a bigint of its own, so no other application's lock collides). */
export const MIGRATION_LOCK_KEY = '7311475294031829513';

/**
 * Creates pgvector when the server has it (a no-op once created). Without it Loom still works: knowledge-base search
 * falls back to exact cosine, which the caller says once at start (`DatabaseHandle.vector`).
 */
async function enableVector(db: Database): Promise<VectorSupport | false> {
  const Versions = z.object({ rows: z.array(z.object({ version: z.string() })) });
  const available = Versions.parse(
    await db.execute(sql`select default_version as version from pg_available_extensions where name = 'vector'`),
  );
  if (available.rows.length === 0) return false;
  await db.execute(sql`create extension if not exists vector`);
  const installed = Versions.parse(await db.execute(sql`select extversion as version from pg_extension where extname = 'vector'`));
  const version = installed.rows[0]?.version ?? '0';
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return { version, iterativeScan: major > 0 || minor >= 8 };
}

/**
 * LISTEN needs one dedicated connection (pooled ones come and go). It reconnects after a drop, retrying until the
 * database answers, and re-issues every LISTEN; notifications sent meanwhile are lost, so it then tells whoever
 * asked (`onResumed`) to re-read what they follow.
 */
function createPgListener(url: string) {
  const handlers = new Map<string, Set<(payload: string) => void>>();
  const resumed = new Set<() => void>();
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;

  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: url });
    c.on('notification', (msg) => {
      for (const h of handlers.get(msg.channel) ?? []) h(msg.payload ?? '');
    });
    let connected = false;
    c.on('error', () => {
      if (client === c) client = undefined;
      void c.end().catch(() => undefined);
      // A failed connect is its caller's to retry; a live connection that dropped is ours.
      if (connected && !closed) reconnect(1_000);
    });
    try {
      await c.connect();
      connected = true;
      for (const channel of handlers.keys()) await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      await c.end().catch(() => undefined);
      throw err;
    }
    return c;
  };
  const ensure = async (): Promise<pg.Client> => {
    if (client) return client;
    connecting ??= connect().finally(() => (connecting = undefined));
    client = await connecting;
    return client;
  };
  /** Back off up to 10 s between attempts while the database is away; once back, every follower re-reads. */
  const reconnect = (delayMs: number) => {
    setTimeout(() => {
      if (closed) return;
      ensure().then(
        () => {
          for (const callback of resumed) callback();
        },
        () => reconnect(Math.min(delayMs * 2, 10_000)),
      );
    }, delayMs).unref();
  };

  return {
    async listen(channel: string, handler: (payload: string) => void) {
      const set = handlers.get(channel) ?? new Set();
      const first = set.size === 0;
      set.add(handler);
      handlers.set(channel, set);
      const c = await ensure();
      if (first) await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      return async () => {
        set.delete(handler);
        if (set.size === 0) {
          handlers.delete(channel);
          await client?.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
        }
      };
    },
    onResumed(callback: () => void) {
      resumed.add(callback);
      return () => void resumed.delete(callback);
    },
    async close() {
      closed = true;
      await client?.end().catch(() => undefined);
    },
  };
}
