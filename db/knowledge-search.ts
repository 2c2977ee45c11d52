// Hybrid search of one knowledge base: the nearest chunks by vector (HNSW with pgvector, exact otherwise) and the
// best full-text matches, fused by reciprocal rank (nodes/knowledge/fusion.ts). Both lists and the hits are
// filtered by owner, so no query reaches another user's chunks whatever id it names.
import { fuseRanks, RRF_K } from '../nodes/knowledge/fusion.js';
import type { Database, VectorSupport } from './client.js';
import { chunksByIds, type ChunkHit } from './knowledge-store.js';
import { nearestChunks, textMatches } from './knowledge-vectors.js';
import type { KnowledgeBaseRow } from './schema.js';

export interface SearchHit extends Omit<ChunkHit, 'id'> {
  score: number;
  /** 1-based ranks in the vector list and in the full-text list (absent: not found by that one). */
  ranks: { vector?: number; text?: number };
}

export interface SearchRequest {
  vector: number[];
  text: string;
  topK: number;
  sourceIds?: string[] | undefined;
}

/** Each list is fetched deeper than topK, so a chunk ranked modestly by both can still make the fused top. */
const depthFor = (topK: number) => Math.min(200, Math.max(topK * 4, 40));

export async function searchChunks(
  db: Database,
  vector: VectorSupport | false,
  kb: Pick<KnowledgeBaseRow, 'id' | 'ownerId' | 'dimensions'>,
  q: SearchRequest,
): Promise<SearchHit[]> {
  const depth = depthFor(q.topK);
  const scope = { kbId: kb.id, ownerId: kb.ownerId, sourceIds: q.sourceIds, limit: depth };
  const [near, matched] = await Promise.all([
    nearestChunks(db, vector, { ...scope, dimensions: kb.dimensions, vector: q.vector }),
    q.text.trim() ? textMatches(db, { ...scope, text: q.text }) : Promise.resolve([]),
  ]);
  const fused = fuseRanks([near, matched], RRF_K).slice(0, q.topK);
  const byId = new Map(
    (
      await chunksByIds(
        db,
        kb.ownerId,
        fused.map((f) => f.id),
      )
    ).map((c) => [c.id, c]),
  );
  return fused.flatMap((f) => {
    const chunk = byId.get(f.id);
    if (!chunk) return [];
    const { id: _id, ...hit } = chunk;
    const [v, t] = f.ranks;
    return [{ ...hit, score: f.score, ranks: { ...(v ? { vector: v } : {}), ...(t ? { text: t } : {}) } }];
  });
}
