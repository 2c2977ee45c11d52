// Knowledge bases on the real stack (Temporal, the database of the project, the gateway through inject): ingestion
// as a workflow, hybrid search with citations, owners kept apart, cancellation, a provider answering with the wrong
// dimension, and a 5 MB text ingested in batches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { settledSource, type SourceView } from './support/knowledge.js';
import { startLlmPeer, type LlmPeer } from './support/llm-peers.js';
import { startTestStack, type TestStack } from './support/stack.js';
import type { Api } from './support/users.js';

let stack: TestStack;
let peer: LlmPeer;

beforeAll(async () => {
  stack = await startTestStack();
  peer = await startLlmPeer();
});
afterAll(async () => {
  await peer?.close();
  await stack?.close();
});

type Source = SourceView;
interface Hit {
  text: string;
  score: number;
  ranks: { vector?: number; text?: number };
  source: { id: string; title: string };
  citation: { sourceId: string; title: string; heading?: string; page?: number };
}

async function createKb(api: Api, embedding: Record<string, unknown> = { provider: 'offline', model: 'hash-v1', dimensions: 256 }) {
  const res = await api.inject({ method: 'POST', url: '/v1/knowledge-bases', payload: { name: 'handbook', embedding } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string; vectorSearch: string }>();
}

async function addText(api: Api, kbId: string, title: string, text: string): Promise<Source> {
  const res = await api.inject({ method: 'POST', url: `/v1/knowledge-bases/${kbId}/sources`, payload: { title, text } });
  expect(res.statusCode, res.body).toBe(202);
  return res.json<Source>();
}

const settled = settledSource;

async function search(api: Api, kbId: string, query: string, extra: Record<string, unknown> = {}) {
  const res = await api.inject({ method: 'POST', url: `/v1/knowledge-bases/${kbId}/search`, payload: { query, ...extra } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ hits: Hit[] }>().hits;
}

const HANDBOOK = [
  '# Sales',
  'Quarterly revenue grew in the third quarter, driven by enterprise renewals and the new pricing.',
  '',
  '# Travel',
  'Employees book flights through the travel desk; economy class for trips under six hours.',
  '',
  '# Security',
  'Laptops must use full disk encryption. Report a lost device to the helpdesk within one hour, code ZX-41.',
].join('\n');

describe('knowledge bases', () => {
  it('loads pgvector on PGlite, and falls back to exact search on a PostgreSQL without it', async () => {
    const { database } = stack;
    if (database.kind === 'pglite') {
      expect(database.vector).toMatchObject({ iterativeScan: true });
      const res = await database.db.execute(sql`select ('[1,0,0]'::vector <=> '[0,1,0]'::vector) as d`);
      expect(Number((res as unknown as { rows: { d: number }[] }).rows[0]!.d)).toBeCloseTo(1, 6);
    } else {
      // This machine's PostgreSQL has no pgvector: the exact fallback; a server with it (docker compose) loads it.
      const available = await database.db.execute(sql`select 1 from pg_available_extensions where name = 'vector'`);
      if ((available as unknown as { rows: unknown[] }).rows.length === 0) expect(database.vector).toBe(false);
      else expect(database.vector).toMatchObject({ version: expect.any(String) });
    }
    const kb = await createKb(stack.api);
    expect(kb.vectorSearch).toBe(database.vector ? 'hnsw' : 'exact');
  });

  it('ingests a text and finds the right chunk first, with its citation; full text alone also finds it', async () => {
    const kb = await createKb(stack.api);
    const added = await addText(stack.api, kb.id, 'Handbook', HANDBOOK);
    expect(added).toMatchObject({ status: 'pending', chunks: 0 });
    const source = await settled(stack.api, kb.id, added.id);
    expect(source).toMatchObject({ status: 'ready', chunks: 3, totalChunks: 3, error: null });

    const hits = await search(stack.api, kb.id, 'how do I book a flight for travel');
    expect(hits[0]!.citation).toEqual({ sourceId: added.id, title: 'Handbook', heading: 'Travel' });
    expect(hits[0]!.source).toMatchObject({ id: added.id, title: 'Handbook', kind: 'text' });
    expect(hits[0]!.text).toContain('travel desk');
    expect(hits[0]!.ranks.vector).toBe(1);

    // An exact code: the full-text list has it first, and fusion puts it on top even where vectors are unsure.
    const code = await search(stack.api, kb.id, 'ZX-41', { topK: 3 });
    expect(code[0]!.citation.heading).toBe('Security');
    expect(code[0]!.ranks.text).toBe(1);
    const both = code[0]!;
    expect(both.score).toBeCloseTo((both.ranks.vector ? 1 / (60 + both.ranks.vector) : 0) + 1 / 61, 10);

    // The filter by source: another source's chunks only.
    const other = await settled(
      stack.api,
      kb.id,
      (await addText(stack.api, kb.id, 'Other', 'Flights are booked by the travel desk too.')).id,
    );
    const filtered = await search(stack.api, kb.id, 'travel desk flights', { filter: { sourceIds: [other.id] } });
    expect(filtered.map((h) => h.source.id)).toEqual([other.id]);
  });

  it("keeps owners apart: another user's knowledge base is a 404 and their search never sees its chunks", async () => {
    const kb = await createKb(stack.api);
    await settled(stack.api, kb.id, (await addText(stack.api, kb.id, 'Secret', 'The vault combination is 7-3-9 orchid.')).id);
    const mallory = stack.as(await stack.createUser({ name: 'mallory' }));
    for (const [method, url] of [
      ['GET', `/v1/knowledge-bases/${kb.id}`],
      ['DELETE', `/v1/knowledge-bases/${kb.id}`],
      ['GET', `/v1/knowledge-bases/${kb.id}/sources`],
    ] as const)
      expect((await mallory.inject({ method, url })).statusCode).toBe(404);
    expect(
      (await mallory.inject({ method: 'POST', url: `/v1/knowledge-bases/${kb.id}/search`, payload: { query: 'vault combination' } }))
        .statusCode,
    ).toBe(404);
    expect(
      (await mallory.inject({ method: 'POST', url: `/v1/knowledge-bases/${kb.id}/sources`, payload: { title: 'x', text: 'y' } }))
        .statusCode,
    ).toBe(404);
    const theirs = await createKb(mallory);
    await settled(mallory, theirs.id, (await addText(mallory, theirs.id, 'Mine', 'Gardening notes about orchids.')).id);
    const hits = await search(mallory, theirs.id, 'vault combination 7-3-9 orchid', { topK: 50 });
    expect(hits.every((h) => h.text.includes('Gardening'))).toBe(true);
    expect(
      (await mallory.inject({ method: 'GET', url: '/v1/knowledge-bases' })).json<{ items: { id: string }[] }>().items.map((k) => k.id),
    ).toEqual([theirs.id]);
  });

  it('cancels an ingestion: the source ends cancelled with part of its chunks', async () => {
    const kb = await createKb(stack.api, { provider: 'offline', model: 'hash-v1', dimensions: 64 });
    const text = Array.from({ length: 4_000 }, (_, i) => `Paragraph ${i} about topic ${i % 17} and more words here.`).join('\n\n');
    const added = await addText(stack.api, kb.id, 'Long', text);
    const cancel = await stack.api.inject({ method: 'POST', url: `/v1/knowledge-bases/${kb.id}/sources/${added.id}/cancel` });
    expect(cancel.statusCode, cancel.body).toBe(202);
    const source = await settled(stack.api, kb.id, added.id);
    expect(source.status).toBe('cancelled');
    expect(source.chunks).toBeLessThan(source.totalChunks ?? Infinity);
    const again = await stack.api.inject({ method: 'POST', url: `/v1/knowledge-bases/${kb.id}/sources/${added.id}/cancel` });
    expect(again.json<{ error: { code: string } }>().error.code).toBe('INGESTION_NOT_RUNNING');
    expect(again.statusCode).toBe(409);
  });

  it('fails a source when the provider answers with another dimension; at the right one, full text finds what vectors miss', async () => {
    const credential = await stack.api.inject({
      method: 'POST',
      url: '/v1/credentials',
      payload: { type: 'openAiApi', name: 'embeddings', values: { apiKey: 'sk-test', baseUrl: `${peer.url}/v1` } },
    });
    expect(credential.statusCode, credential.body).toBe(201);
    const credentialId = credential.json<{ id: string }>().id;
    // The peer answers with 8 dimensions unless scripted otherwise.
    const kb = await createKb(stack.api, { provider: 'openai', model: 'text-embedding-3-small', dimensions: 16, credentialId });
    const source = await settled(stack.api, kb.id, (await addText(stack.api, kb.id, 'Doc', 'Some text to embed.')).id);
    expect(source).toMatchObject({ status: 'failed', chunks: 0, error: { code: 'EMBEDDING_DIMENSION_MISMATCH' } });
    const res = await stack.api.inject({ method: 'POST', url: `/v1/knowledge-bases/${kb.id}/search`, payload: { query: 'text' } });
    expect(res.statusCode).toBe(422);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('EMBEDDING_DIMENSION_MISMATCH');

    // The same provider at the right dimension ingests and searches, the credential opened by the worker.
    const right = await createKb(stack.api, { provider: 'openai', model: 'text-embedding-3-small', dimensions: 8, credentialId });
    const ok = await settled(stack.api, right.id, (await addText(stack.api, right.id, 'Doc', 'Some text to embed.')).id);
    expect(ok).toMatchObject({ status: 'ready', chunks: 1 });
    expect((await search(stack.api, right.id, 'text embed'))[0]!.text).toBe('Some text to embed.');
    expect(peer.requests.some((r) => r.path === '/v1/embeddings' && r.headers.authorization === 'Bearer sk-test')).toBe(true);

    // Fusion for real: the peer's vectors say nothing about meaning, and among 121 chunks the vector list (40 deep)
    // misses the one with the code; the full-text list has it first, so it ties with the vector list's first (both
    // 1/61) and is one of the top two.
    const fillers = Array.from({ length: 120 }, (_, i) => `Filler paragraph number ${i}: ` + 'nothing much to see here '.repeat(34));
    const text = [...fillers.slice(0, 60), 'Report a lost laptop with code QK-7781 at once.', ...fillers.slice(60)].join('\n\n');
    const big = await settled(stack.api, right.id, (await addText(stack.api, right.id, 'Mixed', text)).id);
    expect(big).toMatchObject({ status: 'ready', chunks: 121 });
    const coded = await search(stack.api, right.id, 'QK-7781', { topK: 5 });
    const found = coded.findIndex((h) => h.text.includes('QK-7781'));
    expect(found).toBeGreaterThanOrEqual(0);
    expect(found).toBeLessThan(2);
    expect(coded[found]!.ranks).toEqual({ text: 1 });
    expect(coded[found]!.score).toBeCloseTo(1 / 61, 12);
  });

  it('refuses a remote provider without a credential of its type, and the offline one with another model', async () => {
    for (const embedding of [
      { provider: 'openai', model: 'm', dimensions: 8 },
      { provider: 'ollama', model: 'm', dimensions: 8, credentialId: 'cred_missing' },
      { provider: 'offline', model: 'other', dimensions: 8 },
      { provider: 'offline', model: 'hash-v1', dimensions: 5000 },
    ]) {
      const res = await stack.api.inject({ method: 'POST', url: '/v1/knowledge-bases', payload: { name: 'x', embedding } });
      expect(res.statusCode, JSON.stringify(embedding)).toBe(400);
    }
  });

  it('ingests a 5 MB text in batches, and deletes the knowledge base with its chunks', async () => {
    const kb = await createKb(stack.api, { provider: 'offline', model: 'hash-v1', dimensions: 32 });
    const paragraph = (i: number) => `Section ${i}. ` + 'lorem ipsum dolor sit amet consectetur '.repeat(24);
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < 5_000_000; i++) {
      const p = paragraph(i);
      parts.push(p);
      size += p.length + 2;
    }
    parts.push('The needle is here: unobtanium-42.');
    const added = await addText(stack.api, kb.id, 'Big', parts.join('\n\n'));
    const source = await settled(stack.api, kb.id, added.id, 240_000);
    expect(source.status).toBe('ready');
    expect(source.chunks).toBe(source.totalChunks);
    expect(source.chunks).toBeGreaterThan(4_000);
    const hits = await search(stack.api, kb.id, 'unobtanium-42', { topK: 1 });
    expect(hits[0]!.text).toContain('unobtanium-42');
    expect((await stack.api.inject({ method: 'DELETE', url: `/v1/knowledge-bases/${kb.id}` })).statusCode).toBe(204);
    expect((await stack.api.inject({ method: 'GET', url: `/v1/knowledge-bases/${kb.id}` })).statusCode).toBe(404);
  }, 300_000);
});
