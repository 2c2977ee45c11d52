// Kill -9 the worker in the middle of a flow.for_each over a long list (child-workflow chunks), start another: the
// run completes, every item is in the output exactly once and in order, and only the items in flight at the kill
// ran again. Two processes share one database: the postgres project, as test/worker-crash.int.test.ts.
import path from 'node:path';
import { tmpdir } from 'node:os';
import { filesystemFileStore } from '../platform/file-store.js';
import { authSettingsFrom } from '../apps/gateway/auth/settings.js';
import { apiAs, createTestUser } from './support/users.js';
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
import { workerProcesses } from './support/worker-processes.js';
import { saveWorkflow, startRunOf, waitForRun } from './support/runs.js';

const postgres = testDatabaseKind() === 'postgres';

describe.skipIf(!postgres)('worker crash during a for_each', () => {
  const taskQueue = `crash-items-${Date.now()}`;
  let database: DatabaseHandle;
  let dropDatabase: () => Promise<void>;
  let databaseUrl: string;
  let temporal: TemporalHandle;
  let peer: HttpPeer;
  const hits = new Map<number, number>();
  let served = 0;
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
      app.get('/item/:n', async (req) => {
        const n = Number((req.params as { n: string }).n);
        hits.set(n, (hits.get(n) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 20));
        served++;
        return { n };
      });
    });
  });

  afterAll(async () => {
    workers.killAll();
    await peer?.close();
    await temporal?.close();
    await database?.close();
    await dropDatabase?.();
  });

  it('completes the loop on a new worker: every item once in the output, only those in flight ran again', async () => {
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
    const app = apiAs(gateway, await createTestUser(gateway, database.db));
    const concurrency = 8;
    const workflowId = await saveWorkflow(app, {
      name: 'crash during a loop',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'loop', type: 'flow.for_each', config: { items: '{{ $json.items }}', concurrency } },
        { id: 'call', type: 'http.request', parent: 'loop', config: { url: `${peer.url}/item/{{ $json }}` }, timeoutMs: 60_000 },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'loop' },
        { id: 'e2', source: 'loop', sourceHandle: 'item', target: 'call' },
      ],
    });
    const items = Array.from({ length: 600 }, (_, i) => i);
    const first = workers.start();
    const runId = await startRunOf(app, workflowId, { items });

    const deadline = Date.now() + 60_000;
    while (served < 150 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(served).toBeGreaterThanOrEqual(150);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const beforeRestart = new Map(hits);

    workers.start();
    const run = await waitForRun(app, runId, 120_000);
    expect(run.status, JSON.stringify(run.error)).toBe('completed');
    // Inline, or stored when the results together pass the payload threshold.
    const output = run.nodes.find((n) => n.nodeId === 'loop')?.output as { $loomRef?: string } | unknown[];
    const results = Array.isArray(output)
      ? output
      : (await database.db.query.payloads.findFirst({ where: (t, { eq }) => eq(t.id, output.$loomRef ?? '') }))?.data;
    expect((results as { body: { n: number } }[]).map((r) => r.body.n)).toEqual(items);
    // Every item ran; again only if it was in flight at the kill (at most the concurrency), never one that had finished.
    expect([...hits.keys()].sort((a, b) => a - b)).toEqual(items);
    const again = [...hits.entries()].filter(([, count]) => count > 1).map(([n]) => n);
    expect(again.length).toBeLessThanOrEqual(concurrency);
    for (const n of again) expect(beforeRestart.get(n)).toBe(1);
    // One row per item, each completed.
    const rows = await database.db.query.nodeExecutions.findMany({
      where: (t, { and, eq }) => and(eq(t.runId, runId), eq(t.nodeId, 'call')),
    });
    expect(rows.length).toBe(items.length);
    expect(rows.every((r) => r.status === 'completed')).toBe(true);
    await gateway.close();
  }, 180_000);
});
