// Uploaded files' metadata; the bytes live in a FileStore (platform/file-store.ts) under `storageKey`. One row per
// owner and content: an identical upload by the same owner finds the row already there. Every read is owner-scoped,
// so another user's file is simply not found.
import { and, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from './client.js';
import { newId } from './ids.js';
import { files, type FileRow } from './schema.js';

export type NewFile = Pick<FileRow, 'ownerId' | 'name' | 'contentType' | 'size' | 'sha256' | 'storageKey'>;

/** Records a file; when the owner already has these bytes (same SHA-256), the existing row and `created: false`. */
export async function insertFile(db: Database, f: NewFile): Promise<{ row: FileRow; created: boolean }> {
  const [row] = await db
    .insert(files)
    .values({ id: newId('file'), ...f })
    .onConflictDoNothing({ target: [files.ownerId, files.sha256] })
    .returning();
  if (row) return { row, created: true };
  const existing = await findFileBySha256(db, f.ownerId, f.sha256);
  if (!existing) throw new Error('files: conflicting row vanished');
  return { row: existing, created: false };
}

export async function findFile(db: Database, ownerId: string, id: string): Promise<FileRow | undefined> {
  const [row] = await db
    .select()
    .from(files)
    .where(and(eq(files.id, id), eq(files.ownerId, ownerId)));
  return row;
}

export async function findFileBySha256(db: Database, ownerId: string, sha256: string): Promise<FileRow | undefined> {
  const [row] = await db
    .select()
    .from(files)
    .where(and(eq(files.ownerId, ownerId), eq(files.sha256, sha256)));
  return row;
}

export interface FileFilter {
  ownerId: string;
  /** Keyset pagination: files created before this one (exclusive). */
  before?: { createdAt: Date; id: string } | undefined;
  limit: number;
}

/** Newest first; keyset pagination stays stable while new files arrive. */
export async function listFiles(db: Database, f: FileFilter): Promise<FileRow[]> {
  const where: SQL[] = [eq(files.ownerId, f.ownerId)];
  if (f.before)
    where.push(or(lt(files.createdAt, f.before.createdAt), and(eq(files.createdAt, f.before.createdAt), lt(files.id, f.before.id))) as SQL);
  return db
    .select()
    .from(files)
    .where(and(...where))
    .orderBy(desc(files.createdAt), desc(files.id))
    .limit(f.limit);
}

/**
 * Deletes the row; `orphaned` says no other row of the owner points at its bytes any more, so the caller removes
 * them from the FileStore. Undefined when the owner has no such file.
 */
export async function deleteFile(db: Database, ownerId: string, id: string): Promise<{ row: FileRow; orphaned: boolean } | undefined> {
  const [row] = await db
    .delete(files)
    .where(and(eq(files.id, id), eq(files.ownerId, ownerId)))
    .returning();
  if (!row) return undefined;
  const [other] = await db
    .select({ id: files.id })
    .from(files)
    .where(and(eq(files.ownerId, ownerId), eq(files.storageKey, row.storageKey)))
    .limit(1);
  return { row, orphaned: other === undefined };
}

/** The bytes an owner stores, counted once per row (what the tier's `storedBytes` limits). */
export async function storedBytes(db: Database, ownerId: string): Promise<number> {
  const [row] = await db
    .select({ total: sql<string | null>`sum(${files.size})` })
    .from(files)
    .where(eq(files.ownerId, ownerId));
  return Number(row?.total ?? 0);
}
