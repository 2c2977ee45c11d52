// Kill -9 the worker process in the middle of a run, start another: the run completes and every node that had
// finished ran exactly once. Two processes share one database, so this needs a server database (PGlite is
// single-process by nature): it runs in the postgres project, which CI always runs.
import { authSettingsFrom } from '../apps/gateway/auth/settings.js';
import { apiAs, createTestUser } from './support/users.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildGateway } from '../apps/gateway/server.js';
import { openDatabase, type DatabaseHandle } from '../db/client.js';
import { createNodeRegistry } from '../nodes/registry.js';
import { createLogger } from '../platform/logger.js';
import { createLinkSigner } from '../platform/answer-links.js';
import { createSecretBox } from '../platform/secrets.js';
import { createPayloadCodec } from '../platform/temporal/codec.js';
import { connectTemporal, type TemporalHandle } from '../platform/temporal/connection.js';
import { createPostgresDatabase, testDatabaseKind } from './support/database.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { saveWorkflow, startRunOf, waitForRun } from './support/runs.js';

const postgres = testDatabaseKind() === 'postgres';

describe.skipIf(!postgres)('worker crash', () => {
  const taskQueue = `crash-${Date.now()}`;
  let database: DatabaseHandle;
  let dropDatabase: () => Promise<void>;
  let databaseUrl: string;
  let temporal: TemporalHandle;
  let peer: HttpPeer;
  const hits: Record<string, number> = {};
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const workers: ChildProcess[] = [];
  // The worker processes and this test's client must share the master key: payloads in history are encrypted under it.
  const key = Buffer.alloc(32, 7);

  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/worker/main.ts'], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: taskQueue,
        DATABASE_URL: databaseUrl,
        LOOM_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
        LOOM_HTTP_ALLOWED_HOSTS: '127.0.0.1',
        LOG_LEVEL: 'error',
        LOOM_MASTER_KEY: key.toString('base64'),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    workers.push(child);
    return child;
  }

  beforeAll(async () => {
    const created = await createPostgresDatabase();
    databaseUrl = created.url;
    dropDatabase = created.drop;
    database = await openDatabase({ kind: 'postgres', url: databaseUrl });
    temporal = await connectTemporal({ address: inject('temporalAddress'), namespace: 'default', codec: createPayloadCodec(key) });
    peer = await startHttpPeer((app) => {
      app.get('/hit/:name', async (req) => {
        const { name } = req.params as { name: string };
        hits[name] = (hits[name] ?? 0) + 1;
        if (name === 'slow') await gate;
        return { name };
      });
    });
  });

  afterAll(async () => {
    release();
    for (const w of workers) w.kill('SIGKILL');
    await peer?.close();
    await temporal?.close();
    await database?.close();
    await dropDatabase?.();
  });

  it('completes the run on a new worker, finished nodes executed exactly once', async () => {
    const gateway = await buildGateway(
      {
        database,
        temporal: { client: temporal.client, connection: temporal.connection, taskQueue },
        nodes: createNodeRegistry(),
        secrets: createSecretBox(key),
        links: createLinkSigner(key),
        auth: authSettingsFrom(key),
      },
      { logger: createLogger({ level: 'silent' }) },
    );
    const app = apiAs(gateway, await createTestUser(gateway, database.db));
    const node = (id: string) => ({ id, type: 'http.request', config: { url: `${peer.url}/hit/${id}` }, timeoutMs: 60_000 });
    const workflowId = await saveWorkflow(app, {
      name: 'crash',
      nodes: [{ id: 'start', type: 'trigger.manual' }, node('first'), node('slow'), node('last')],
      edges: [
        { id: 'e1', source: 'start', target: 'first' },
        { id: 'e2', source: 'first', target: 'slow' },
        { id: 'e3', source: 'slow', target: 'last' },
      ],
    });
    const first = startWorker();
    const runId = await startRunOf(app, workflowId);

    const deadline = Date.now() + 60_000;
    while (!hits.slow && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(hits).toMatchObject({ first: 1, slow: 1 });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    release();

    startWorker();
    const run = await waitForRun(app, runId, 90_000);
    expect(run.status).toBe('completed');
    expect(run.nodes.map((n) => n.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    // Finished before the crash: never repeated. In flight at the crash: retried on the new worker.
    expect(hits.first).toBe(1);
    expect(hits.last).toBe(1);
    expect(hits.slow).toBe(2);
    expect(run.nodes.find((n) => n.nodeId === 'slow')?.attempt).toBe(2);
    await gateway.close();
  }, 120_000);
});
