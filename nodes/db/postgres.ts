// db.postgres: a parameterised statement against the user's own PostgreSQL. `count` mode runs the statement in a
// transaction and rolls it back, so an approval can say "this will delete 500 records" before anything happens.
import { isIP } from 'node:net';
import pg from 'pg';
import { z } from 'zod';
import { SsrfError } from '../http/ssrf-guard.js';
import { NodeError } from '../sdk/errors.js';
import { field, type ConfigOf } from '../sdk/fields.js';
import { defineNode, localWithin, type NodeContext } from '../sdk/node.js';
import { shapeOf } from '../sdk/values.js';
import { describeStatement } from './describe.js';
import { classifySql } from './sql-classify.js';

const MAX_ROWS = 10_000;

const fields = {
  query: field.code({ label: 'SQL', language: 'sql', required: true, placeholder: 'select * from customers where id = $1' }),
  parameters: field.json({
    label: 'Parameters ($1, $2, ...)',
    default: [],
    schema: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])),
  }),
  mode: field.select(
    [
      { value: 'execute', label: 'Run it' },
      { value: 'count', label: 'Count affected rows, then roll back' },
    ],
    { label: 'Mode', default: 'execute' },
  ),
};
type Config = ConfigOf<typeof fields>;

const PostgresOutputSchema = z.object({
  command: z.string(),
  rowCount: z.number().int(),
  /** Keyed by the statement's columns, which only the database knows: each row's fields are not checked. */
  rows: z.array(z.record(z.string(), z.unknown())),
  fields: z.array(z.object({ name: z.string(), dataTypeId: z.number().int() })),
  truncated: z.boolean(),
  rolledBack: z.boolean(),
});
export type PostgresOutput = z.infer<typeof PostgresOutputSchema>;

async function connect(context: NodeContext): Promise<pg.Client> {
  const { values } = await context.credentials.get('postgres');
  const host = values.host ?? 'localhost';
  // The worker's own network is off limits to a credential as it is to a URL: connect to the checked address.
  let address: string;
  try {
    address = await context.http.resolveHost(host);
  } catch (err) {
    if (err instanceof SsrfError) throw new NodeError('DB_HOST_BLOCKED', err.message);
    throw new NodeError('DB_CONNECTION_FAILED', `Could not resolve ${host}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const client = new pg.Client({
    host: address,
    port: Number(values.port ?? 5432),
    database: values.database,
    user: values.user,
    ...(values.password ? { password: values.password } : {}),
    // TLS still verifies the certificate against the name the credential gave, not the address.
    ssl: values.ssl === 'require' ? { rejectUnauthorized: true, ...(isIP(host) ? {} : { servername: host }) } : false,
    connectionTimeoutMillis: Math.min(10_000, context.timeoutMs),
    statement_timeout: context.timeoutMs,
    application_name: 'loom',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    throw new NodeError('DB_CONNECTION_FAILED', `Could not connect to ${host}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return client;
}

/** Runs the statement and reports what it did; in count mode nothing it did survives. */
export async function runStatement(config: Config, context: NodeContext): Promise<PostgresOutput> {
  // Exactly one statement, as PostgreSQL's parser reads it: count mode's rollback must follow everything it ran.
  const statements = classifySql(config.query).statements;
  if (statements === undefined) throw new NodeError('CONFIG_INVALID', 'The SQL does not parse as PostgreSQL');
  if (statements !== 1) throw new NodeError('CONFIG_INVALID', 'Send exactly one SQL statement');
  const client = await connect(context);
  const onAbort = () => void client.end();
  context.signal.addEventListener('abort', onAbort, { once: true });
  const rollback = config.mode === 'count';
  try {
    if (rollback) await client.query('begin');
    const result = await client.query({ text: config.query, values: config.parameters });
    if (rollback) await client.query('rollback');
    const rows = (result.rows ?? []) as Record<string, unknown>[];
    return {
      command: result.command,
      rowCount: result.rowCount ?? rows.length,
      rows: rollback ? [] : rows.slice(0, MAX_ROWS),
      fields: (result.fields ?? []).map((f) => ({ name: f.name, dataTypeId: f.dataTypeID })),
      truncated: !rollback && rows.length > MAX_ROWS,
      rolledBack: rollback,
    };
  } catch (err) {
    if (context.signal.aborted) throw new NodeError('NODE_CANCELLED');
    const e = err as { message?: string; code?: string; position?: string };
    throw new NodeError('DB_QUERY_FAILED', `PostgreSQL: ${e.message ?? String(err)}`, { sqlState: e.code, position: e.position });
  } finally {
    context.signal.removeEventListener('abort', onAbort);
    await client.end().catch(() => undefined);
  }
}

/**
 * Count mode changes nothing that survives when a rollback undoes all of it: row changes with only side-effect-free
 * functions. Anything else (DDL, nextval, dblink, an unknown function, SQL built by an expression) is a write.
 */
function operationsOf(config: Config): ('read' | 'database_write')[] {
  // An expression in the SQL text can turn a read into anything by the time it runs (values belong in parameters):
  // what is classified must be the text that runs.
  if (config.query.includes('{{')) return ['database_write'];
  const sql = classifySql(config.query);
  return config.mode === 'count' && sql.effect === 'dml' && sql.unsafeFunctions.length === 0 ? ['read'] : sql.operations;
}

export const postgresNode = defineNode({
  type: 'db.postgres',
  version: 1,
  displayName: 'PostgreSQL',
  category: 'database',
  description: 'Runs one parameterised SQL statement on your database; can count what a change would touch first.',
  kind: 'activity',
  fields,
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [{ name: 'out', dataType: 'json' }],
  credentials: [{ slot: 'postgres', types: ['postgres'], required: true }],
  operations: (config) => operationsOf(config),
  // A failed statement would fail the same way again; connection problems are retried.
  defaults: { retry: { maxAttempts: 2 } },
  // The statement timeout is the node's: a read under a short one runs as a local activity, a write never does.
  execution: (config, { timeoutMs }) => (operationsOf(config).every((o) => o === 'read') ? localWithin(timeoutMs) : 'activity'),
  outputShape: shapeOf(PostgresOutputSchema),
  execute: (_input, config, context) => runStatement(config, context),
  describe: (_input, config, context) => describeStatement(config.query, () => runStatement({ ...config, mode: 'count' }, context)),
});
