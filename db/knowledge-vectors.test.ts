import { describe, expect, it } from 'vitest';
import { createLogger } from '../platform/logger.js';
import type { Database } from './client.js';
import { createVectorIndex, logVectorSupport } from './knowledge-vectors.js';

function capture() {
  const lines: { level: number; msg: string }[] = [];
  const log = createLogger({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
  return { log, lines };
}

describe('vector support', () => {
  it('says once which search the database gets: a warning for the exact fallback', () => {
    const without = capture();
    logVectorSupport({ kind: 'postgres', vector: false }, without.log);
    expect(without.lines).toHaveLength(1);
    expect(without.lines[0]).toMatchObject({ level: 40, msg: expect.stringContaining('falls back to exact cosine') });
    const withIt = capture();
    logVectorSupport({ kind: 'pglite', vector: { version: '0.8.1', iterativeScan: true } }, withIt.log);
    expect(withIt.lines[0]).toMatchObject({ level: 30, msg: expect.stringContaining('HNSW') });
  });

  it('refuses an id or a dimension that is not strictly valid before any DDL is written', async () => {
    const executed: unknown[] = [];
    const db = { execute: async (q: unknown) => void executed.push(q) } as unknown as Database;
    const pgvector = { version: '0.8.1', iterativeScan: true };
    for (const id of ["kb_x'; drop table kb_chunks; --", 'kb_short', `kb_${'a'.repeat(21)}"`])
      await expect(createVectorIndex(db, pgvector, id, 8)).rejects.toThrow('Not a knowledge base id');
    await expect(createVectorIndex(db, pgvector, `kb_${'a'.repeat(22)}`, 1.5)).rejects.toThrow('Invalid dimensions');
    expect(executed).toEqual([]);
    await createVectorIndex(db, pgvector, `kb_${'a'.repeat(22)}`, 384);
    expect(executed).toHaveLength(1);
    // Without pgvector, or past HNSW's 2,000 dimensions, no index at all.
    await createVectorIndex(db, false, `kb_${'a'.repeat(22)}`, 384);
    await createVectorIndex(db, pgvector, `kb_${'a'.repeat(22)}`, 3_000);
    expect(executed).toHaveLength(1);
  });
});
