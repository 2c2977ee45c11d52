// Kill -9 the worker in the middle of a knowledge-base ingestion, start another: the ingestion finishes, and every
// chunk is stored exactly once (seqs 0..total-1, no duplicates), only the batch in flight embedded again. Two
// processes share one database: the postgres project, as test/for-each-crash.int.test.ts.
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { authSettingsFrom } from '../apps/gateway/auth/settings.js';
import { buildGateway } from '../apps/gateway/server.js';
import { openDatabase, type DatabaseHandle } from '../db/client.js';
import { createNodeRegistry } from '../nodes/registry.js';
import { createLinkSigner } from '../platform/answer-links.js';
import { filesystemFileStore } from '../platform/file-store.js';
import { createLogger } from '../platform/logger.js';
import { createSecretBox } from '../platform/secrets.js';
import { createPayloadCodec } from '../platform/temporal/codec.js';
import { connectTemporal, type TemporalHandle } from '../platform/temporal/connection.js';
import { createPostgresDatabase, testDatabaseKind } from './support/database.js';
import { startLlmPeer, type LlmPeer } from './support/llm-peers.js';
import { apiAs, createTestUser } from './support/users.js';
import { killWorker, workerProcesses } from './support/worker-processes.js';

const postgres = testDatabaseKind() === 'postgres';

describe.skipIf(!postgres)('worker crash during an ingestion', () => {
  const taskQueue = `crash-ingest-${Date.now()}`;
  let database: DatabaseHandle;
  let dropDatabase: () => Promise<void>;
  let databaseUrl: string;
  let temporal: TemporalHandle;
  let peer: LlmPeer;
  const key = Buffer.alloc(32, 9);
  const workers = workerProcesses({ taskQueue, databaseUrl: () => databaseUrl, masterKey: key });

  beforeAll(async () => {
    const created = await createPostgresDatabase();
    databaseUrl = created.url;
    dropDatabase = created.drop;
    database = await openDatabase({ kind: 'postgres', url: databaseUrl });
    temporal = await connectTemporal({ address: inject('temporalAddress'), namespace: 'default', codec: createPayloadCodec(key) });
    peer = await startLlmPeer();
  });

  afterAll(async () => {
    workers.killAll();
    await peer?.close();
    await temporal?.close();
    await database?.close();
    await dropDatabase?.();
  });

  it('finishes on a new worker without duplicate chunks', async () => {
    const gateway = await buildGateway(
      {
        database,
        temporal: { client: temporal.client, connection: temporal.connection, taskQueue },
        nodes: createNodeRegistry(),
        secrets: createSecretBox(key),
        links: createLinkSigner(key),
        auth: authSettingsFrom(key),
        files: { store: filesystemFileStore(path.join(tmpdir(), 'loom-files-unused')) },
      },
      { logger: createLogger({ level: 'silent' }) },
    );
    const api = apiAs(gateway, await createTestUser(gateway, database.db));
    const credential = await api.inject({
      method: 'POST',
      url: '/v1/credentials',
      payload: { type: 'openAiApi', name: 'embeddings', values: { apiKey: 'sk-crash', baseUrl: `${peer.url}/v1` } },
    });
    const kbRes = await api.inject({
      method: 'POST',
      url: '/v1/knowledge-bases',
      payload: {
        name: 'crash',
        embedding: { provider: 'openai', model: 'm', dimensions: 8, credentialId: credential.json<{ id: string }>().id },
      },
    });
    expect(kbRes.statusCode, kbRes.body).toBe(201);
    const kbId = kbRes.json<{ id: string }>().id;
    // 40 batches of 64, each embedding call taking 150 ms: a kill lands mid-ingestion.
    peer.scriptEmbeddings(...Array.from({ length: 200 }, () => ({ delayMs: 150 })));
    const text = Array.from({ length: 64 * 40 }, (_, i) => `Paragraph ${i}: ` + 'filler words '.repeat(70)).join('\n\n');
    const added = await api.inject({ method: 'POST', url: `/v1/knowledge-bases/${kbId}/sources`, payload: { title: 'Long', text } });
    expect(added.statusCode, added.body).toBe(202);
    const sourceId = added.json<{ id: string }>().id;
    const status = async () =>
      (await api.inject({ method: 'GET', url: `/v1/knowledge-bases/${kbId}/sources/${sourceId}` })).json<{
        status: string;
        chunks: number;
        totalChunks: number | null;
      }>();

    const first = workers.start();
    for (;;) {
      const s = await status();
      if (s.chunks >= 64 * 5) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await killWorker(first);
    const atKill = (await status()).chunks;
    expect(atKill).toBeLessThan(64 * 40);

    workers.start();
    let final = await status();
    for (const until = Date.now() + 120_000; final.status !== 'ready' && Date.now() < until; final = await status())
      await new Promise((r) => setTimeout(r, 200));
    expect(final).toMatchObject({ status: 'ready', totalChunks: 64 * 40, chunks: 64 * 40 });

    const rows = await database.db.execute(
      sql`select count(*)::int as n, count(distinct seq)::int as seqs, min(seq) as lo, max(seq) as hi from kb_chunks where source_id = ${sourceId}`,
    );
    expect((rows as unknown as { rows: unknown[] }).rows[0]).toEqual({ n: 2560, seqs: 2560, lo: 0, hi: 2559 });
    // Every batch embedded once, and at most the one in flight at the kill again (plus retries of nothing else).
    const calls = peer.requests.filter((r) => r.path === '/v1/embeddings').length;
    expect(calls).toBeGreaterThanOrEqual(40);
    expect(calls).toBeLessThanOrEqual(42);
    await gateway.close();
  }, 180_000);
});
