// Knowledge bases, their sources and chunks. Every read is scoped to the owner: another user's id finds nothing.
// Chunks are written idempotently (unique source_id, seq): a retried or restarted ingestion batch adds nothing twice.
import { and, asc, count, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Citation } from '../nodes/knowledge/chunk.js';
import type { Database, VectorSupport } from './client.js';
import { newId } from './ids.js';
import { createVectorIndex, dropVectorIndex } from './knowledge-vectors.js';
import { kbChunks, kbSources, knowledgeBases, type KbSourceRow, type KbSourceStatus, type KnowledgeBaseRow } from './schema.js';

export type NewKnowledgeBase = Pick<
  KnowledgeBaseRow,
  'ownerId' | 'name' | 'embeddingProvider' | 'embeddingModel' | 'dimensions' | 'credentialId'
>;

/** Inserts the knowledge base and, with pgvector, its own HNSW index. */
export async function insertKnowledgeBase(db: Database, vector: VectorSupport | false, kb: NewKnowledgeBase): Promise<KnowledgeBaseRow> {
  const [row] = await db
    .insert(knowledgeBases)
    .values({ id: newId('kb'), ...kb })
    .returning();
  if (!row) throw new Error('insert into knowledge_bases returned no row');
  try {
    await createVectorIndex(db, vector, row.id, row.dimensions);
  } catch (err) {
    await db.delete(knowledgeBases).where(eq(knowledgeBases.id, row.id));
    throw err;
  }
  return row;
}

export async function listKnowledgeBases(db: Database, ownerId: string): Promise<KnowledgeBaseRow[]> {
  return db.select().from(knowledgeBases).where(eq(knowledgeBases.ownerId, ownerId)).orderBy(desc(knowledgeBases.createdAt));
}

export async function findKnowledgeBase(db: Database, ownerId: string, id: string): Promise<KnowledgeBaseRow | undefined> {
  const [row] = await db
    .select()
    .from(knowledgeBases)
    .where(and(eq(knowledgeBases.id, id), eq(knowledgeBases.ownerId, ownerId)));
  return row;
}

/** Deletes the knowledge base with its sources and chunks (cascade) and its index; false when it is not the owner's. */
export async function deleteKnowledgeBase(db: Database, ownerId: string, id: string): Promise<boolean> {
  const deleted = await db
    .delete(knowledgeBases)
    .where(and(eq(knowledgeBases.id, id), eq(knowledgeBases.ownerId, ownerId)))
    .returning({ id: knowledgeBases.id });
  if (deleted.length === 0) return false;
  await dropVectorIndex(db, id);
  return true;
}

export async function countChunksOfKnowledgeBase(db: Database, kbId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(kbChunks).where(eq(kbChunks.kbId, kbId));
  return Number(row?.n ?? 0);
}

export async function insertSource(
  db: Database,
  s: { kbId: string; ownerId: string; title: string } & ({ kind: 'text'; text: string } | { kind: 'file'; fileId: string }),
): Promise<KbSourceRow> {
  const id = newId('kbs');
  const [row] = await db
    .insert(kbSources)
    .values({
      id,
      kbId: s.kbId,
      ownerId: s.ownerId,
      kind: s.kind,
      title: s.title,
      text: s.kind === 'text' ? s.text : null,
      fileId: s.kind === 'file' ? s.fileId : null,
      status: 'pending',
      temporalWorkflowId: ingestWorkflowId(id),
    })
    .returning();
  if (!row) throw new Error('insert into kb_sources returned no row');
  return row;
}

export const ingestWorkflowId = (sourceId: string) => `ingest-${sourceId}`;

/** Sources of a knowledge base without their text (a raw text may be megabytes). */
const sourceColumns = {
  id: kbSources.id,
  kbId: kbSources.kbId,
  ownerId: kbSources.ownerId,
  kind: kbSources.kind,
  fileId: kbSources.fileId,
  title: kbSources.title,
  status: kbSources.status,
  chunks: kbSources.chunks,
  totalChunks: kbSources.totalChunks,
  error: kbSources.error,
  temporalWorkflowId: kbSources.temporalWorkflowId,
  createdAt: kbSources.createdAt,
  updatedAt: kbSources.updatedAt,
};
export type KbSourceSummary = Omit<KbSourceRow, 'text'>;

export async function findSource(db: Database, ownerId: string, kbId: string, sourceId: string): Promise<KbSourceSummary | undefined> {
  const [row] = await db
    .select(sourceColumns)
    .from(kbSources)
    .where(and(eq(kbSources.id, sourceId), eq(kbSources.kbId, kbId), eq(kbSources.ownerId, ownerId)));
  return row;
}

export async function listSources(db: Database, ownerId: string, kbId: string): Promise<KbSourceSummary[]> {
  return db
    .select(sourceColumns)
    .from(kbSources)
    .where(and(eq(kbSources.kbId, kbId), eq(kbSources.ownerId, ownerId)))
    .orderBy(asc(kbSources.createdAt));
}

/** The source (without its text) and its knowledge base, for ingestion (activities, which have only the id). */
export async function loadSourceForIngest(
  db: Database,
  sourceId: string,
): Promise<{ source: KbSourceSummary; kb: KnowledgeBaseRow } | undefined> {
  const [row] = await db
    .select({ source: sourceColumns, kb: knowledgeBases })
    .from(kbSources)
    .innerJoin(knowledgeBases, eq(knowledgeBases.id, kbSources.kbId))
    .where(eq(kbSources.id, sourceId));
  return row;
}

/** A raw text source's text: read once per ingestion by a worker, not once per batch (it may be megabytes). */
export async function loadSourceText(db: Database, sourceId: string): Promise<string> {
  const [row] = await db.select({ text: kbSources.text }).from(kbSources).where(eq(kbSources.id, sourceId));
  return row?.text ?? '';
}

export async function updateSource(
  db: Database,
  sourceId: string,
  patch: { status?: KbSourceStatus; totalChunks?: number; error?: unknown; recount?: boolean },
): Promise<void> {
  await db
    .update(kbSources)
    .set({
      ...(patch.status ? { status: patch.status } : {}),
      ...(patch.totalChunks !== undefined ? { totalChunks: patch.totalChunks } : {}),
      ...(patch.error !== undefined ? { error: patch.error } : {}),
      // Counted, not incremented: a batch retried after it wrote its rows must not count them twice.
      ...(patch.recount ? { chunks: sql`(select count(*)::int from ${kbChunks} where ${kbChunks.sourceId} = ${sourceId})` } : {}),
      updatedAt: new Date(),
    })
    .where(eq(kbSources.id, sourceId));
}

/** Seqs of the source already stored among the given ones (a retried batch embeds only what is missing). */
export async function storedSeqs(db: Database, sourceId: string, seqs: number[]): Promise<Set<number>> {
  if (seqs.length === 0) return new Set();
  const rows = await db
    .select({ seq: kbChunks.seq })
    .from(kbChunks)
    .where(and(eq(kbChunks.sourceId, sourceId), inArray(kbChunks.seq, seqs)));
  return new Set(rows.map((r) => r.seq));
}

export interface NewChunk {
  seq: number;
  text: string;
  embedding: number[];
  citation: Citation;
}

/** Inserts chunks, skipping any (source, seq) already stored; returns how many were new. */
export async function insertChunks(
  db: Database,
  source: { kbId: string; sourceId: string; ownerId: string },
  chunks: NewChunk[],
): Promise<number> {
  if (chunks.length === 0) return 0;
  const inserted = await db
    .insert(kbChunks)
    .values(chunks.map((c) => ({ kbId: source.kbId, sourceId: source.sourceId, ownerId: source.ownerId, ...c })))
    .onConflictDoNothing({ target: [kbChunks.sourceId, kbChunks.seq] })
    .returning({ id: kbChunks.id });
  return inserted.length;
}

export interface ChunkHit {
  id: number;
  text: string;
  citation: Citation;
  source: { id: string; title: string; kind: 'file' | 'text'; fileId: string | null };
}

/** The chunks of these ids that belong to the owner, in no particular order. */
export async function chunksByIds(db: Database, ownerId: string, ids: number[]): Promise<ChunkHit[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({
      id: kbChunks.id,
      text: kbChunks.text,
      citation: kbChunks.citation,
      sourceId: kbSources.id,
      title: kbSources.title,
      kind: kbSources.kind,
      fileId: kbSources.fileId,
    })
    .from(kbChunks)
    .innerJoin(kbSources, eq(kbSources.id, kbChunks.sourceId))
    .where(and(inArray(kbChunks.id, ids), eq(kbChunks.ownerId, ownerId)));
  return rows.map((r) => ({
    id: r.id,
    text: r.text,
    citation: r.citation as Citation,
    source: { id: r.sourceId, title: r.title, kind: r.kind, fileId: r.fileId },
  }));
}

/** Whether the owner has this file (a file source must name one of the owner's own files). */
