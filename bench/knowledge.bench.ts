// Knowledge bases (issue #16). Ingestion: a 10,000-chunk text source through the ingestion activities (chunking,
// the offline embedder at 384 dimensions, idempotent batched inserts of 64) against a bulk insert of the same rows
// (embedded beforehand, 1,000 rows a statement). Search: N chunks of 384 dimensions (clustered vectors, texts from
// a small vocabulary), 50 queries: p50/p95 of hybrid search (vector + full text, fused) and of exact brute-force
// vector search, and recall@10 of the HNSW index against exact. PGlite (pgvector) by default; DATABASE_URL=...
// measures that PostgreSQL (without pgvector there is no HNSW: hybrid runs on exact search, and recall is 1 by
// construction). KB_BENCH_CHUNKS sets N (default 100,000).
import { sql } from 'drizzle-orm';
import { createKnowledgeActivities } from '../activities/knowledge.js';
import { openDatabase, type DatabaseHandle } from '../db/client.js';
import { deleteKnowledgeBase, insertChunks, insertKnowledgeBase, insertSource } from '../db/knowledge-store.js';
import { searchChunks } from '../db/knowledge-search.js';
import { createVectorIndex, nearestChunks } from '../db/knowledge-vectors.js';
import { kbChunks } from '../db/schema.js';
import { embedOffline } from '../nodes/embeddings/offline.js';
import { createHttpClientFactory } from '../nodes/http/client.js';
import { chunkContent } from '../nodes/knowledge/chunk.js';
import { formatMs, measure, type BenchSuite, type Measurement } from './harness.js';

const DIMS = 384;
const INGEST_CHUNKS = 10_000;
const SEARCH_CHUNKS = Number(process.env.KB_BENCH_CHUNKS ?? 100_000);
const QUERIES = 50;

/** A deterministic generator, so every run measures the same data. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}
const WORDS = Array.from({ length: 2_000 }, (_, i) => `w${i.toString(36)}`);

function unit(v: number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
}

async function open(): Promise<DatabaseHandle> {
  return process.env.DATABASE_URL
    ? openDatabase({ kind: 'postgres', url: process.env.DATABASE_URL })
    : openDatabase({ kind: 'pglite', dataDir: undefined });
}

async function ingestion(database: DatabaseHandle): Promise<{ measurements: Measurement[]; ratio: number }> {
  const ownerId = `bench-${Date.now()}`;
  // One paragraph per chunk (each under the chunk size, two never fit together).
  const paragraphs = Array.from(
    { length: INGEST_CHUNKS },
    (_, i) => `Paragraph ${i} ` + Array.from({ length: 170 }, (_, j) => WORDS[(i * 31 + j * 7) % WORDS.length]).join(' '),
  );
  const text = paragraphs.join('\n\n');
  const activities = createKnowledgeActivities({ db: database.db, http: createHttpClientFactory({ allowedHosts: [] }) });
  const kb = await insertKnowledgeBase(database.db, database.vector, {
    ownerId,
    name: 'ingest',
    embeddingProvider: 'offline',
    embeddingModel: 'hash-v1',
    dimensions: DIMS,
    credentialId: null,
  });

  let ingested = 0;
  const ingest = await measure(
    `ingest ${INGEST_CHUNKS.toLocaleString()} chunks (activities: chunk, embed offline, insert by 64)`,
    async () => {
      const source = await insertSource(database.db, { kbId: kb.id, ownerId, title: 'bench', kind: 'text', text });
      const prepared = await activities.prepareIngest({ sourceId: source.id });
      if (prepared.gone) throw new Error('source gone');
      for (let from = 0; from < prepared.total; from += 64) await activities.ingestBatch({ sourceId: source.id, from, count: 64 });
      ingested = prepared.total;
    },
    { iterations: 3, warmup: 0 },
  );
  if (ingested !== INGEST_CHUNKS) throw new Error(`ingested ${ingested} chunks, expected ${INGEST_CHUNKS}`);

  // The same rows, embedded beforehand, in statements of 1,000.
  const source = await insertSource(database.db, { kbId: kb.id, ownerId, title: 'bulk', kind: 'text', text: '' });
  const rows = [...chunkContent({ kind: 'text', text }, { sourceId: source.id, title: 'bulk' })].map((c) => ({
    ...c,
    embedding: embedOffline(c.text, DIMS),
  }));
  let round = 0;
  const bulk = await measure(
    `bulk insert of the same ${INGEST_CHUNKS.toLocaleString()} rows (1,000 a statement)`,
    async () => {
      const s = await insertSource(database.db, { kbId: kb.id, ownerId, title: `bulk ${round++}`, kind: 'text', text: '' });
      for (let i = 0; i < rows.length; i += 1_000)
        await insertChunks(database.db, { kbId: kb.id, sourceId: s.id, ownerId }, rows.slice(i, i + 1_000));
    },
    { iterations: 3, warmup: 0 },
  );
  const embedOnly = await measure(
    `embed ${INGEST_CHUNKS.toLocaleString()} texts offline (no database)`,
    () => paragraphs.map((p) => embedOffline(p, DIMS)),
    { iterations: 3, warmup: 1 },
  );
  // Gone before the search measurements, which should see one knowledge base of N chunks, not these too.
  await deleteKnowledgeBase(database.db, ownerId, kb.id);
  const perSecond = (m: Measurement) => ({ 'chunks/s': Math.round(INGEST_CHUNKS / (m.medianMs / 1000)) });
  return {
    measurements: [
      { ...ingest, extra: perSecond(ingest) },
      { ...bulk, extra: perSecond(bulk) },
      { ...embedOnly, extra: perSecond(embedOnly) },
    ],
    ratio: ingest.medianMs / bulk.medianMs,
  };
}

async function searching(database: DatabaseHandle) {
  const ownerId = `bench-search-${Date.now()}`;
  const rnd = random(42);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const centres = Array.from({ length: 200 }, () => unit(Array.from({ length: DIMS }, gauss)));
  const vectorNear = (c: number[], spread: number) => unit(c.map((x) => x + spread * gauss()));
  const kb = await insertKnowledgeBase(database.db, false, {
    ownerId,
    name: 'search',
    embeddingProvider: 'offline',
    embeddingModel: 'hash-v1',
    dimensions: DIMS,
    credentialId: null,
  });
  const source = await insertSource(database.db, { kbId: kb.id, ownerId, title: 'bench', kind: 'text', text: '' });
  const loadStart = performance.now();
  const stored: { vector: number[]; words: string }[] = [];
  for (let i = 0; i < SEARCH_CHUNKS; i += 1_000) {
    const batch = Array.from({ length: Math.min(1_000, SEARCH_CHUNKS - i) }, (_, j) => {
      const centre = centres[Math.floor(rnd() * centres.length)]!;
      const words = Array.from({ length: 12 }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ');
      const vector = vectorNear(centre, 0.08);
      if ((i + j) % Math.ceil(SEARCH_CHUNKS / QUERIES) === 0) stored.push({ vector, words });
      return { seq: i + j, text: words, embedding: vector, citation: { sourceId: source.id, title: 'bench' } };
    });
    await database.db.insert(kbChunks).values(batch.map((c) => ({ kbId: kb.id, sourceId: source.id, ownerId, ...c })));
  }
  const loadMs = performance.now() - loadStart;
  const indexStart = performance.now();
  // Built after the load (as a bulk import would): an index grown row by row is slower to build.
  await createVectorIndex(database.db, database.vector, kb.id, DIMS);
  const indexMs = performance.now() - indexStart;
  await database.db.execute(sql`analyze kb_chunks`);

  const queries = stored
    .slice(0, QUERIES)
    .map((s) => ({ vector: vectorNear(s.vector, 0.05), text: s.words.split(' ').slice(0, 3).join(' ') }));
  let qi = 0;
  const next = () => queries[qi++ % queries.length]!;
  const scope = { kbId: kb.id, ownerId, dimensions: DIMS };
  const hybrid = await measure(
    `hybrid search, top 10 (${database.vector ? 'HNSW' : 'exact'} + full text, RRF)`,
    () => {
      const q = next();
      return searchChunks(
        database.db,
        database.vector,
        { id: kb.id, ownerId, dimensions: DIMS },
        { vector: q.vector, text: q.text, topK: 10 },
      );
    },
    { iterations: QUERIES, warmup: 5 },
  );
  const vectorOnly = database.vector
    ? await measure(
        'HNSW vector search alone, top 10',
        () => nearestChunks(database.db, database.vector, { ...scope, vector: next().vector, limit: 10 }),
        { iterations: QUERIES, warmup: 5 },
      )
    : undefined;
  const exact = await measure(
    'exact brute-force vector search, top 10',
    () => nearestChunks(database.db, database.vector, { ...scope, vector: next().vector, limit: 10, mode: 'exact' }),
    { iterations: Math.min(QUERIES, 20), warmup: 2 },
  );

  let recall = 1;
  if (database.vector) {
    let found = 0;
    for (const q of queries) {
      const truth = new Set(await nearestChunks(database.db, database.vector, { ...scope, vector: q.vector, limit: 10, mode: 'exact' }));
      const approx = await nearestChunks(database.db, database.vector, { ...scope, vector: q.vector, limit: 10 });
      found += approx.filter((id) => truth.has(id)).length;
    }
    recall = found / (queries.length * 10);
  }
  return { measurements: [hybrid, ...(vectorOnly ? [vectorOnly] : []), exact], recall, loadMs, indexMs, hybrid, exact };
}

export const suite: BenchSuite = {
  name: 'knowledge',
  async run() {
    const database = await open();
    try {
      const where =
        database.kind === 'pglite'
          ? `PGlite, pgvector ${database.vector ? database.vector.version : 'absent'}`
          : `PostgreSQL, pgvector ${database.vector ? database.vector.version : 'absent (exact fallback)'}`;
      const ingest = await ingestion(database);
      const search = await searching(database);
      return {
        suite: `knowledge (${where}; search on ${SEARCH_CHUNKS.toLocaleString()} chunks of ${DIMS} dimensions)`,
        measurements: [...ingest.measurements, ...search.measurements],
        verdicts: [
          `ingestion vs bulk insert of the same rows: ${ingest.ratio.toFixed(2)}x the time`,
          `load ${SEARCH_CHUNKS.toLocaleString()} chunks: ${formatMs(search.loadMs)}; HNSW index build: ${database.vector ? formatMs(search.indexMs) : 'none (no pgvector)'}`,
          `hybrid vs exact brute force: p50 ${formatMs(search.hybrid.medianMs)} vs ${formatMs(search.exact.medianMs)} (${(search.exact.medianMs / search.hybrid.medianMs).toFixed(1)}x faster), p95 ${formatMs(search.hybrid.p95Ms)} vs ${formatMs(search.exact.p95Ms)}`,
          database.vector
            ? `recall@10 of HNSW vs exact: ${search.recall.toFixed(3)} (goal >= 0.95)`
            : 'recall@10: 1 by construction (no HNSW without pgvector: search is exact)',
        ],
      };
    } finally {
      await database.close();
    }
  },
};
