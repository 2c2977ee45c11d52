// Where file bytes live. Keys are chosen by the caller (Loom uses `<owner>/<sha256>`, so the same bytes of one owner
// are stored once); the store only keeps bytes under keys. The filesystem implementation writes every object to a
// temporary file and renames it into place, so a crash or a refused upload never leaves a half-written object under
// a real key. Other backends (PostgreSQL large objects, an S3-compatible store) would implement the same interface.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface FileStore {
  /** Streams `source` into the object `key`, replacing any object there; resolves with the number of bytes written. */
  put(key: string, source: Readable | AsyncIterable<Uint8Array>): Promise<number>;
  /** The object's bytes as a stream; undefined when there is no object under `key`. */
  get(key: string): Promise<Readable | undefined>;
  /** Removes the object; removing a missing one is not an error. */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Moves an object to another key (a temporary upload to its content address); replaces the target. */
  move(from: string, to: string): Promise<void>;
}

/** Keys are relative paths of safe segments: nothing may climb out of the store's folder. */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

export class FileStoreKeyError extends Error {}

function checkKey(key: string): string[] {
  const segments = key.split('/');
  if (segments.length > 4 || segments.some((s) => !SEGMENT.test(s) || s === '.' || s === '..'))
    throw new FileStoreKeyError(`Invalid file store key ${JSON.stringify(key)}`);
  return segments;
}

/** A FileStore over a folder (`$LOOM_DATA_DIR/files` by default). */
export function filesystemFileStore(root: string): FileStore {
  const pathOf = (key: string) => path.join(root, ...checkKey(key));
  const tmpDir = path.join(root, '.tmp');
  const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

  async function writeTemp(source: Readable | AsyncIterable<Uint8Array>): Promise<{ tmp: string; size: number }> {
    await mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, randomBytes(12).toString('hex'));
    let size = 0;
    try {
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Uint8Array>) {
          for await (const chunk of chunks) {
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(tmp, { flags: 'wx', mode: 0o600 }),
      );
      return { tmp, size };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  return {
    async put(key, source) {
      const target = pathOf(key);
      const { tmp, size } = await writeTemp(source);
      try {
        await mkdir(path.dirname(target), { recursive: true });
        await rename(tmp, target);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      return size;
    },
    async get(key) {
      const file = pathOf(key);
      try {
        if (!(await stat(file)).isFile()) return undefined;
      } catch (err) {
        if (missing(err)) return undefined;
        throw err;
      }
      return createReadStream(file);
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async exists(key) {
      try {
        return (await stat(pathOf(key))).isFile();
      } catch (err) {
        if (missing(err)) return false;
        throw err;
      }
    },
    async move(from, to) {
      const target = pathOf(to);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(pathOf(from), target);
    },
  };
}
