// Issue #11 item 11: the approval preview runs the statement in a transaction it rolls back, so an effect a rollback
// cannot undo (a sequence advanced by nextval/setval) happened before anyone approved. Such statements are no longer
// run: the request says why the count is unavailable. Against the local PostgreSQL, as nodes/db's own tests.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresNode } from '../../nodes/db/postgres.js';
import { createTestNodeContext } from '../support/node-context.js';

const admin = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `loom_sqlpreview_${randomBytes(4).toString('hex')}`;
const dbUrl = admin.replace(/\/[^/]*$/, `/${name}`);

async function sql<T>(query: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    return (await c.query(query)).rows as T[];
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  await sql('create sequence s');
  await sql('create table customers (id int primary key, name text)');
  await sql("insert into customers select g, 'c' || g from generate_series(1, 10) g");
});
afterAll(async () => {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`drop database if exists ${name} with (force)`);
  await c.end();
});

function describeQuery(query: string) {
  const url = new URL(admin);
  const context = createTestNodeContext({
    credentials: {
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
    },
  });
  return postgresNode.describe!({}, postgresNode.configSchema.parse({ query }) as never, context).finally(() => context.close());
}

const lastValue = async () => (await sql<{ last_value: string; is_called: boolean }>('select last_value::text, is_called from s'))[0];

describe('db.postgres approval preview', () => {
  it.each([
    ["select nextval('s')"],
    ["select setval('s', 1000)"],
    ["update customers set name = 'x' || nextval('s') where id < 4"],
    ["delete from customers where id = (select setval('s', 500))"],
  ])('does not run %s before approval, and says why', async (query) => {
    const before = await lastValue();
    const description = await describeQuery(query);
    expect(await lastValue()).toEqual(before);
    expect(description.summary).toContain('unavailable');
    expect(description.details).toMatchObject({ countUnavailable: expect.stringMatching(/nextval|setval/) });
    expect((await sql<{ n: number }>('select count(*)::int as n from customers'))[0]?.n).toBe(10);
  });

  it('still counts a plain row change, rolled back, and says how it counted', async () => {
    const description = await describeQuery('delete from customers where id <= 4');
    expect(description).toMatchObject({ details: { command: 'DELETE', rowCount: 4, countedInRolledBackTransaction: true } });
    expect(description.summary).toContain('This will delete 4 records in customers');
    expect((await sql<{ n: number }>('select count(*)::int as n from customers'))[0]?.n).toBe(10);
  });

  it('names the table the parser reads, not one inside a comment', async () => {
    const description = await describeQuery('delete /* from invoices */ from customers where id = 1');
    expect(description.summary).toContain('This will delete 1 record in customers');
  });
});
