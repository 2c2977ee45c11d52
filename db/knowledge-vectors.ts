// Vector search over kb_chunks. With pgvector each knowledge base has a partial HNSW index over its own rows,
// `(embedding::vector(N)) vector_cosine_ops WHERE kb_id = '<id>'`; a query repeats that expression and that
// predicate (as a literal, so the planner can prove the partial index applies), with iterative scans on so that an
// owner or source filter never leaves fewer than `limit` rows. Without pgvector the same ranking is exact: cosine
// distance computed in SQL over the float4 arrays (one pass of unnest per row: a brute-force scan of the knowledge
// base, which bench/knowledge.bench.ts prices). On small data both give the same answers; at scale HNSW is approximate (bench/knowledge.bench.ts
// measures its recall).
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Logger } from '../platform/logger.js';
import type { Database, DatabaseHandle, VectorSupport } from './client.js';

/** pgvector's HNSW indexes `vector` up to 2,000 dimensions; larger knowledge bases search exactly. */
export const HNSW_MAX_DIMENSIONS = 2_000;
const KB_ID = /^kb_[A-Za-z0-9_-]{22}$/;

/** Says once, at start, which search this database gets. */
export function logVectorSupport(database: Pick<DatabaseHandle, 'vector' | 'kind'>, log: Logger): void {
  if (database.vector) log.info({ pgvector: database.vector.version }, 'pgvector loaded: knowledge-base search uses HNSW indexes');
  else log.warn('PostgreSQL has no pgvector extension: knowledge-base search falls back to exact cosine (slower on large knowledge bases)');
}

/** The id and dimensions go into DDL and into the query text: both are checked here, strictly, first. */
function checked(kbId: string, dimensions: number): { id: string; dims: number } {
  if (!KB_ID.test(kbId)) throw new Error(`Not a knowledge base id: ${JSON.stringify(kbId)}`);
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 4096) throw new Error(`Invalid dimensions ${dimensions}`);
  return { id: kbId, dims: dimensions };
}

/** Both drivers answer raw SQL with `{ rows }`; ids are bigserial (a string from node-postgres). */
const IdRows = z.object({ rows: z.array(z.object({ id: z.coerce.number() })) });
const ids = (result: unknown): number[] => IdRows.parse(result).rows.map((r) => r.id);

const indexName = (kbId: string) => `kb_chunks_hnsw_${kbId}`;
const hnswUsable = (vector: VectorSupport | false, dimensions: number): vector is VectorSupport =>
  vector !== false && dimensions <= HNSW_MAX_DIMENSIONS;

export async function createVectorIndex(db: Database, vector: VectorSupport | false, kbId: string, dimensions: number): Promise<void> {
  if (!hnswUsable(vector, dimensions)) return;
  const { id, dims } = checked(kbId, dimensions);
  await db.execute(
    sql.raw(
      `create index if not exists "${indexName(id)}" on kb_chunks using hnsw ((embedding::vector(${dims})) vector_cosine_ops) where kb_id = '${id}'`,
    ),
  );
}

export async function dropVectorIndex(db: Database, kbId: string): Promise<void> {
  const { id } = checked(kbId, 1);
  await db.execute(sql.raw(`drop index if exists "${indexName(id)}"`));
}

export interface VectorQuery {
  kbId: string;
  ownerId: string;
  dimensions: number;
  vector: number[];
  limit: number;
  sourceIds?: string[] | undefined;
  /** `exact`: no index even where pgvector has one (the benchmark's baseline); default: the index when there is one. */
  mode?: 'indexed' | 'exact';
}

const sourceFilter = (ids: string[] | undefined): SQL =>
  ids?.length
    ? sql` and source_id in (${sql.join(
        ids.map((s) => sql`${s}`),
        sql`, `,
      )})`
    : sql``;

/** Chunk ids nearest the query vector, nearest first. */
export async function nearestChunks(db: Database, vector: VectorSupport | false, q: VectorQuery): Promise<number[]> {
  const { id, dims } = checked(q.kbId, q.dimensions);
  if (q.vector.length !== dims) throw new Error(`Query vector has ${q.vector.length} dimensions, expected ${dims}`);
  if (vector === false) {
    const literal = `{${q.vector.join(',')}}`;
    const rows = await db.execute(sql`
      select id from (
        select id, 1 - (select sum(a * b) / nullif(sqrt(sum(a * a)) * sqrt(sum(b * b)), 0) from unnest(embedding, ${literal}::float4[]) as t(a, b)) as distance
        from kb_chunks where kb_id = ${id} and owner_id = ${q.ownerId}${sourceFilter(q.sourceIds)}
      ) d order by distance nulls last, id limit ${q.limit}`);
    return ids(rows);
  }
  const cast = sql.raw(`vector(${dims})`);
  const literal = JSON.stringify(q.vector);
  const distance = sql`(embedding::${cast}) <=> ${literal}::${cast}`;
  return db.transaction(async (tx) => {
    if (q.mode === 'exact' || !hnswUsable(vector, dims)) {
      await tx.execute(sql`set local enable_indexscan = off`);
    } else {
      // relaxed_order: the scan continues past filtered-out rows; its slightly unordered output is re-sorted below.
      if (vector.iterativeScan) await tx.execute(sql`set local hnsw.iterative_scan = relaxed_order`);
      // Without iterative scans a wider search list is the only guard against a filter starving the results.
      const ef = Math.min(1_000, Math.max(vector.iterativeScan ? 40 : 200, q.limit * 2));
      await tx.execute(sql.raw(`set local hnsw.ef_search = ${ef}`));
    }
    const rows = await tx.execute(sql`
      select id from (
        select id, ${distance} as distance from kb_chunks
        where kb_id = ${sql.raw(`'${id}'`)} and owner_id = ${q.ownerId}${sourceFilter(q.sourceIds)}
        order by ${distance} limit ${q.limit}
      ) d order by distance, id`);
    return ids(rows);
  });
}

/** Chunk ids matching the query's words (`websearch_to_tsquery`, the 'simple' configuration), best ts_rank first. */
export async function textMatches(
  db: Database,
  q: { kbId: string; ownerId: string; text: string; limit: number; sourceIds?: string[] | undefined },
): Promise<number[]> {
  const rows = await db.execute(sql`
    select id from kb_chunks, websearch_to_tsquery('simple', ${q.text}) as query
    where kb_id = ${q.kbId} and owner_id = ${q.ownerId} and tsv @@ query${sourceFilter(q.sourceIds)}
    order by ts_rank(tsv, query) desc, id limit ${q.limit}`);
  return ids(rows);
}
