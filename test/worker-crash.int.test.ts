// Kill -9 the worker process in the middle of a run, start another: the run completes and every node that had
// finished ran exactly once. Two processes share one database, so this needs a server database (PGlite is
// single-process by nature): it runs in the postgres project, which CI always runs.
import path from 'node:path';
import { tmpdir } from 'node:os';
import { filesystemFileStore } from '../platform/file-store.js';
import { authSettingsFrom } from '../apps/gateway/auth/settings.js';
import { apiAs, createTestUser } from './support/users.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildGateway } from '../apps/gateway/server.js';
import { openDatabase, type DatabaseHandle } from '../db/client.js';
import { listRunEvents } from '../db/event-store.js';
import { createNodeRegistry } from '../nodes/registry.js';
import { createLogger } from '../platform/logger.js';
import { createLinkSigner } from '../platform/answer-links.js';
import { createSecretBox } from '../platform/secrets.js';
import { createPayloadCodec } from '../platform/temporal/codec.js';
import { connectTemporal, type TemporalHandle } from '../platform/temporal/connection.js';
import { createPostgresDatabase, testDatabaseKind } from './support/database.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { killWorker, workerProcesses } from './support/worker-processes.js';
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
  // A request to a gated name waits until the test releases its gate.
  const gates = new Map<string, { wait: Promise<void>; release: () => void }>();
  const gate = (name: string) => {
    let release: () => void = () => undefined;
    const wait = new Promise<void>((r) => (release = r));
    gates.set(name, { wait, release });
    return release;
  };
  // The worker processes and this test's client must share the master key: payloads in history are encrypted under it.
  const key = Buffer.alloc(32, 7);
  const workers = workerProcesses({ taskQueue, databaseUrl: () => databaseUrl, masterKey: key });

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
        await gates.get(name)?.wait;
        return { name };
      });
    });
  });

  afterAll(async () => {
    for (const g of gates.values()) g.release();
    workers.killAll();
    await peer?.close();
    await temporal?.close();
    await database?.close();
    await dropDatabase?.();
  });

  async function gatewayApp() {
    const gateway = await buildGateway(
      {
        database,
        temporal: { client: temporal.client, connection: temporal.connection, taskQueue },
        nodes: createNodeRegistry(),
        secrets: createSecretBox(key),
        links: createLinkSigner(key),
        auth: authSettingsFrom(key),
        // These gateways take no uploads: the folder is never created.
        files: { store: filesystemFileStore(path.join(tmpdir(), 'loom-files-unused')) },
      },
      { logger: createLogger({ level: 'silent' }) },
    );
    return { gateway, app: apiAs(gateway, await createTestUser(gateway, database.db)) };
  }

  async function waitForHit(name: string) {
    const deadline = Date.now() + 60_000;
    while (!hits[name] && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  it('completes the run on a new worker, finished nodes executed exactly once', async () => {
    const { gateway, app } = await gatewayApp();
    const release = gate('slow');
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
    const first = workers.start();
    const runId = await startRunOf(app, workflowId);

    await waitForHit('slow');
    expect(hits).toMatchObject({ first: 1, slow: 1 });
    await killWorker(first);
    release();

    workers.start();
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

  it('runs a local node again on a new worker when its worker dies mid-node, and records it once', async () => {
    // Only this test's workers poll the queue: the one killed must be the one running the node.
    for (const w of workers.all) if (w.exitCode === null && w.signalCode === null) await killWorker(w);
    const { gateway, app } = await gatewayApp();
    const release = gate('slowLocal');
    const node = (id: string, execution: 'local' | 'activity') => ({
      id,
      type: 'http.request',
      config: { url: `${peer.url}/hit/${id}` },
      timeoutMs: 10_000,
      execution,
    });
    const workflowId = await saveWorkflow(app, {
      name: 'crash-local',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        node('firstRegular', 'activity'),
        node('slowLocal', 'local'),
        node('lastLocal', 'local'),
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'firstRegular' },
        { id: 'e2', source: 'firstRegular', target: 'slowLocal' },
        { id: 'e3', source: 'slowLocal', target: 'lastLocal' },
      ],
    });
    const first = workers.start();
    const runId = await startRunOf(app, workflowId);
    await waitForHit('slowLocal');
    expect(hits).toMatchObject({ firstRegular: 1, slowLocal: 1 });
    // Past the deferred start: the node is recorded as running before its worker dies.
    await new Promise((r) => setTimeout(r, 500));
    await killWorker(first);
    release();

    workers.start();
    const run = await waitForRun(app, runId, 90_000);
    expect(run.status).toBe('completed');
    expect(run.nodes.map((n) => [n.nodeId, n.status])).toEqual([
      ['start', 'completed'],
      ['firstRegular', 'completed'],
      ['slowLocal', 'completed'],
      ['lastLocal', 'completed'],
    ]);
    // The regular node's result was in history: never repeated. The local node in flight ran again elsewhere.
    expect(hits).toMatchObject({ firstRegular: 1, slowLocal: 2, lastLocal: 1 });
    // Recorded once: one start and one outcome per node, whichever worker wrote them.
    const events = await listRunEvents(database.db, runId, 0);
    const of = (type: string, nodeId: string) => events.filter((e) => e.type === type && e.nodeId === nodeId).length;
    for (const id of ['firstRegular', 'slowLocal', 'lastLocal']) {
      expect([id, of('node_started', id), of('node_completed', id)]).toEqual([id, 1, 1]);
    }
    await gateway.close();
  }, 120_000);
});
