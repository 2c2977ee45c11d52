// One upload, streamed: the multipart part flows through a SHA-256 hash and a byte counter into the FileStore under a
// temporary key, so memory holds a chunk at a time and never the file. Only once all bytes are in and their type is
// sniffed (never taken from the client) does the object move to its content address `<owner>/<sha256>` and get a
// row. Any refusal (too large, a type Loom does not accept, a declared type the bytes contradict) or failure removes
// the temporary object: nothing is stored.
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { MultipartFile } from '@fastify/multipart';
import { deleteFile, findFileBySha256, insertFile, storedBytes } from '../../../db/file-store.js';
import type { Database } from '../../../db/client.js';
import type { FileRow } from '../../../db/schema.js';
import { declaredTypeAgrees, SNIFF_BYTES, sniffContentType } from '../../../nodes/files/content-type.js';
import type { FileStore } from '../../../platform/file-store.js';
import { ApiError } from '../errors.js';

export interface UploadLimits {
  fileBytes: number;
  storedBytes: number;
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
function too(size: number, limits: UploadLimits, used: number): ApiError {
  if (size > limits.fileBytes) return new ApiError('FILE_TOO_LARGE', `Your plan accepts files of up to ${limits.fileBytes} bytes`);
  return new ApiError(
    'STORAGE_LIMIT',
    `Your plan stores up to ${limits.storedBytes} bytes of files; ${used} are in use, so this file does not fit`,
  );
}

/** Hashes and counts the bytes on their way through, and keeps the first SNIFF_BYTES for the text check. */
function meter() {
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  const state = { size: 0, headBytes: 0 };
  async function* through(source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      state.size += chunk.length;
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

export async function storeUpload(
  deps: { db: Database; store: FileStore },
  upload: { ownerId: string; part: MultipartFile; limits: UploadLimits; used: number },
): Promise<{ row: FileRow; created: boolean }> {
  const { db, store } = deps;
  const { ownerId, part, limits, used } = upload;
  const temp = `uploads/${randomBytes(16).toString('hex')}`;
  const m = meter();
  try {
    await store.put(temp, m.through(part.file));
    // Busboy stops the part at the room left (the route's fileSize) and discards the rest of the request, so the
    // client still reads this answer; the bytes it kept are only in the temporary object, removed below.
    if (part.file.truncated) throw too(Math.min(limits.fileBytes, limits.storedBytes - used) + 1, limits, used);
    const name = cleanFileName(part.filename);
    const content = await store.get(temp);
    if (!content) throw new Error(`upload ${temp} vanished before it was sniffed`);
    let sniffed;
    try {
      sniffed = await sniffContentType(content as Readable, m.head(), name);
    } finally {
      content.destroy();
    }
    if (!sniffed.ok) throw new ApiError('UNSUPPORTED_FILE_TYPE', `Loom does not accept files of type ${sniffed.detected}`);
    if (!declaredTypeAgrees(part.mimetype, sniffed.type))
      throw new ApiError('FILE_TYPE_MISMATCH', `The part declares ${part.mimetype}, but its bytes are ${sniffed.type}`);
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
    // Uploads running side by side each saw the total before the others: the total is checked again once counted.
    if (stored.created && (await storedBytes(db, ownerId)) > limits.storedBytes) {
      const deleted = await deleteFile(db, ownerId, stored.row.id);
      if (deleted?.orphaned) await store.delete(storageKey);
      throw too(0, limits, used);
    }
    return stored;
  } finally {
    await store.delete(temp);
  }
}
