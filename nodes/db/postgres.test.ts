// db.postgres against the local PostgreSQL, in a database created for this file.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNodeContext } from '../../test/support/node-context.js';
import { asJson, declaredOutputShape, shapeViolations } from '../../test/support/shape-conformance.js';
import type { NodeError } from '../sdk/errors.js';
import { postgresNode, type PostgresOutput } from './postgres.js';
import { classifySql, statementCount } from './sql-classify.js';

const admin = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `loom_nodetest_${randomBytes(4).toString('hex')}`;
// Needs the local PostgreSQL (CI starts it when it is down).
beforeAll(async () => {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  const db = new pg.Client({ connectionString: admin.replace(/\/[^/]*$/, `/${name}`) });
  await db.connect();
  await db.query('create table customers (id int primary key, name text, tier text)');
  await db.query("insert into customers select g, 'c' || g, case when g % 2 = 0 then 'pro' else 'free' end from generate_series(1, 500) g");
  await db.end();
});
afterAll(async () => {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`drop database if exists ${name} with (force)`);
  await c.end();
});

function credential() {
  const url = new URL(admin);
  return {
    postgres: {
      type: 'postgres',
      values: {
        host: url.hostname,
        port: url.port || '5432',
        database: name,
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
      },
    },
  };
}
async function run(config: Record<string, unknown>): Promise<PostgresOutput> {
  const context = createTestNodeContext({ credentials: credential() });
  return (await postgresNode.execute!({}, postgresNode.configSchema.parse(config) as never, context)) as PostgresOutput;
}

describe('db.postgres', () => {
  it("is kept off the worker's own network like an HTTP call: a private host not on the allowlist is refused", async () => {
    for (const host of ['127.0.0.1', 'localhost', '169.254.169.254', '[::1]']) {
      const context = createTestNodeContext({
        credentials: { postgres: { ...credential().postgres, values: { ...credential().postgres.values, host } } },
        allowedHosts: ['10.9.9.9'],
      });
      const failure = await postgresNode.execute!({}, postgresNode.configSchema.parse({ query: 'select 1' }) as never, context).catch(
        (e: unknown) => e as NodeError,
      );
      expect(failure, host).toMatchObject({ code: 'DB_HOST_BLOCKED', message: expect.stringContaining('private address') });
      await context.close();
    }
  });

  it('selects with parameters', async () => {
    const out = await run({ query: 'select id, name from customers where tier = $1 and id <= $2 order by id', parameters: ['pro', 6] });
    expect(out).toMatchObject({
      command: 'SELECT',
      rowCount: 3,
      rows: [
        { id: 2, name: 'c2' },
        { id: 4, name: 'c4' },
        { id: 6, name: 'c6' },
      ],
      truncated: false,
      rolledBack: false,
    });
    expect(out.fields.map((f) => f.name)).toEqual(['id', 'name']);
    expect(shapeViolations(declaredOutputShape(postgresNode, { query: 'select 1' }), asJson(out))).toEqual([]);
  });

  it('counts what a DELETE would remove, removes nothing, then really deletes', async () => {
    const count = await run({ query: 'delete from customers where tier = $1', parameters: ['free'], mode: 'count' });
    expect(count).toMatchObject({ command: 'DELETE', rowCount: 250, rolledBack: true });
    expect(shapeViolations(declaredOutputShape(postgresNode, { query: 'select 1' }), asJson(count))).toEqual([]);
    expect((await run({ query: 'select count(*)::int as n from customers' })).rows).toEqual([{ n: 500 }]);
    const done = await run({ query: 'delete from customers where tier = $1', parameters: ['free'] });
    expect(done.rowCount).toBe(250);
    expect((await run({ query: 'select count(*)::int as n from customers' })).rows).toEqual([{ n: 250 }]);
  });

  it('reports INSERT and UPDATE row counts', async () => {
    expect((await run({ query: "insert into customers values (1001, 'new', 'pro')" })).rowCount).toBe(1);
    expect((await run({ query: "update customers set tier = 'vip' where id > $1", parameters: [1000] })).rowCount).toBe(1);
  });

  it('fails a bad statement with DB_QUERY_FAILED, not retryable, and refuses several statements', async () => {
    const bad = await run({ query: 'select * from nowhere' }).catch((e: unknown) => e as NodeError);
    expect(bad).toMatchObject({ code: 'DB_QUERY_FAILED', retryable: false, details: { sqlState: '42P01' } });
    const many = await run({ query: 'select 1; drop table customers' }).catch((e: unknown) => e as NodeError);
    expect(many).toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('fails to connect with a retryable error', async () => {
    const context = createTestNodeContext({
      credentials: { postgres: { type: 'postgres', values: { host: '127.0.0.1', port: '1', database: 'x', user: 'x' } } },
    });
    const err = await postgresNode.execute!({}, postgresNode.configSchema.parse({ query: 'select 1' }) as never, context).catch(
      (e: unknown) => e as NodeError,
    );
    expect(err).toMatchObject({ code: 'DB_CONNECTION_FAILED', retryable: true });
  });
});

describe('SQL classification', () => {
  it.each([
    ['select * from t', ['read']],
    ['  -- comment\n SELECT 1', ['read']],
    ['with x as (select 1) select * from x', ['read']],
    ['with x as (delete from t returning *) select * from x', ['database_write']],
    ['select * into copy from t', ['database_write']],
    ['select * from t for update', ['database_write']],
    ['explain select 1', ['read']],
    ['insert into t values (1)', ['database_write']],
    ["update t set a = 'select'", ['database_write']],
    ['delete from t', ['database_write']],
    ['truncate t', ['database_write']],
    ['drop table t', ['database_write']],
    ['vacuum', ['database_write']],
  ])('%s', (sql, operations) => expect(classifySql(sql).operations).toEqual(operations));

  it('counts statements ignoring semicolons in strings and comments', () => {
    expect(statementCount("select ';' -- ;\n")).toBe(1);
    expect(statementCount('select 1; select 2;')).toBe(2);
    expect(statementCount('select from where')).toBeUndefined();
  });

  it('drives the node operations', () => {
    expect(postgresNode.operations(postgresNode.configSchema.parse({ query: 'delete from t' }) as never)).toEqual(['database_write']);
    expect(postgresNode.operations(postgresNode.configSchema.parse({ query: 'delete from t', mode: 'count' }) as never)).toEqual(['read']);
  });
});
