// Saving a file, streamed, the one way both an upload (apps/gateway/handlers/file-upload.ts) and a node
// (files.write) do it: the bytes flow through a SHA-256 hash and a byte counter into the FileStore under a temporary
// key, so memory holds a chunk at a time and never the file. Only once all bytes are in and their type is sniffed
// (never taken from the sender) does the object move to its content address `<owner>/<sha256>` and get a row. Any
// refusal (too large, a type Loom does not accept, a declared type the bytes contradict) or failure removes the
// temporary object: nothing is stored. Refusals are a FileSaveError with a closed code each caller maps.
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { declaredTypeAgrees, SNIFF_BYTES, sniffContentType } from '../nodes/files/content-type.js';
import type { FileStore } from '../platform/file-store.js';
import type { Database } from './client.js';
import { deleteFile, findFileBySha256, insertFile, storedBytes } from './file-store.js';
import type { FileRow } from './schema.js';

export interface FileLimits {
  fileBytes: number;
  storedBytes: number;
}

export const FILE_SAVE_ERRORS = {
  FILE_TOO_LARGE: 'The file is larger than the plan accepts',
  STORAGE_LIMIT: 'The file does not fit in what the plan stores',
  UNSUPPORTED_FILE_TYPE: 'Loom does not accept files of this type',
  FILE_TYPE_MISMATCH: 'The declared type contradicts the bytes',
} as const;
export type FileSaveErrorCode = keyof typeof FILE_SAVE_ERRORS;

export class FileSaveError extends Error {
  override readonly name = 'FileSaveError';
  constructor(
    readonly code: FileSaveErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The name to keep: the last path segment, without control characters or lone surrogates, at most 255 characters. */
export function cleanFileName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[/\\]/).pop() ?? '';
  const clean = base
    .replace(/[\p{Cc}\p{Cs}]/gu, '')
    .trim()
    .slice(0, 255);
  return clean === '' || clean === '.' || clean === '..' ? 'file' : clean;
}

/** The refusal for a file of (at least) `size` bytes: past the per-file limit, or past what storage has room for. */
export function tooLarge(size: number, limits: FileLimits, used: number): FileSaveError {
  if (size > limits.fileBytes) return new FileSaveError('FILE_TOO_LARGE', `Your plan accepts files of up to ${limits.fileBytes} bytes`);
  return new FileSaveError(
    'STORAGE_LIMIT',
    `Your plan stores up to ${limits.storedBytes} bytes of files; ${used} are in use, so this file does not fit`,
  );
}

/** Hashes and counts the bytes on their way through, and keeps the first SNIFF_BYTES for the text check. */
function meter(limit: number) {
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  const state = { size: 0, headBytes: 0 };
  async function* through(source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      state.size += chunk.length;
      // A source that is not cut short by its sender (a node's value) is cut here.
      if (state.size > limit) throw new FileSaveError('FILE_TOO_LARGE', `The file is larger than ${limit} bytes`);
      hash.update(chunk);
      if (state.headBytes < SNIFF_BYTES) {
        head.push(chunk.subarray(0, SNIFF_BYTES - state.headBytes));
        state.headBytes += head.at(-1)!.length;
      }
      yield chunk;
    }
  }
  return { through, state, digest: () => hash.digest('hex'), head: () => Buffer.concat(head) };
}

export async function saveFile(
  deps: { db: Database; store: FileStore },
  file: {
    ownerId: string;
    name: string | undefined;
    source: AsyncIterable<Buffer>;
    /** The type the sender declared, if any: it must agree with the bytes. */
    declaredType?: string | undefined;
    limits: FileLimits;
    used: number;
    /** Whether the sender's stream was cut at the room left (busboy's `truncated`). */
    truncated?: () => boolean;
  },
): Promise<{ row: FileRow; created: boolean }> {
  const { db, store } = deps;
  const { ownerId, limits, used } = file;
  const temp = `uploads/${randomBytes(16).toString('hex')}`;
  const room = Math.min(limits.fileBytes, limits.storedBytes - used);
  const m = meter(room);
  try {
    try {
      await store.put(temp, m.through(file.source));
    } catch (err) {
      if (err instanceof FileSaveError) throw tooLarge(room + 1, limits, used);
      throw err;
    }
    if (file.truncated?.()) throw tooLarge(room + 1, limits, used);
    const name = cleanFileName(file.name);
    const content = await store.get(temp);
    if (!content) throw new Error(`upload ${temp} vanished before it was sniffed`);
    let sniffed;
    try {
      sniffed = await sniffContentType(content as Readable, m.head(), name);
    } finally {
      content.destroy();
    }
    if (!sniffed.ok) throw new FileSaveError('UNSUPPORTED_FILE_TYPE', `Loom does not accept files of type ${sniffed.detected}`);
    if (file.declaredType !== undefined && !declaredTypeAgrees(file.declaredType, sniffed.type))
      throw new FileSaveError('FILE_TYPE_MISMATCH', `The part declares ${file.declaredType}, but its bytes are ${sniffed.type}`);
    const sha256 = m.digest();
    const storageKey = `${ownerId}/${sha256}`;
    const existing = await findFileBySha256(db, ownerId, sha256);
    if (existing) {
      // The same bytes again; should they have gone missing (a delete racing this upload), these bring them back.
      if (!(await store.exists(existing.storageKey))) await store.move(temp, existing.storageKey);
      return { row: existing, created: false };
    }
    await store.move(temp, storageKey);
    const stored = await insertFile(db, { ownerId, name, contentType: sniffed.type, size: m.state.size, sha256, storageKey });
    // Saves running side by side each saw the total before the others: the total is checked again once counted.
    if (stored.created && (await storedBytes(db, ownerId)) > limits.storedBytes) {
      const deleted = await deleteFile(db, ownerId, stored.row.id);
      if (deleted?.orphaned) await store.delete(storageKey);
      throw tooLarge(0, limits, used);
    }
    return stored;
  } finally {
    await store.delete(temp);
  }
}
