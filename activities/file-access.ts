// NodeContext.files in the worker: the run owner's files read (extracted: text with pages, or rows) and written
// (through db/file-saving.ts, the one way Loom saves a file, within the owner's plan). Another user's file is not there.
import type { Database } from '../db/client.js';
import { FileSaveError, saveFile } from '../db/file-saving.js';
import { findFile, storedBytes } from '../db/file-store.js';
import { findUser } from '../db/user-store.js';
import { fileLimitsOf } from '../identity/tiers.js';
import { ExtractError, extractFile } from '../nodes/files/extract.js';
import { NodeError } from '../nodes/sdk/errors.js';
import type { FileAccess } from '../nodes/sdk/node.js';
import type { ExtractedContent } from '../nodes/sdk/values.js';
import type { FileStore } from '../platform/file-store.js';

export interface FileAccessDeps {
  db: Database;
  store: FileStore;
  /** The installation's enterprise file limits, as the gateway applies them. */
  enterprise?: { fileBytes?: number | undefined; storedBytes?: number | undefined };
}

export function createFileAccess(deps: FileAccessDeps) {
  return (owner: () => Promise<string | undefined>): FileAccess => {
    async function ownerId(): Promise<string> {
      const id = await owner();
      if (!id) throw new NodeError('FILE_NOT_FOUND', 'The run has no owner');
      return id;
    }
    return {
      async read(fileId) {
        const row = await findFile(deps.db, await ownerId(), fileId);
        if (!row) throw new NodeError('FILE_NOT_FOUND', `No file ${fileId}`);
        const bytes = await deps.store.get(row.storageKey);
        if (!bytes) throw new NodeError('FILE_NOT_FOUND', `The content of file ${fileId} is missing`);
        let content: ExtractedContent;
        try {
          content = await extractFile(bytes, row.contentType);
        } catch (err) {
          if (err instanceof ExtractError) throw new NodeError('FILE_UNREADABLE', `${row.name}: ${err.message}`, { code: err.code });
          throw err;
        } finally {
          bytes.destroy();
        }
        return { id: row.id, name: row.name, contentType: row.contentType, size: row.size, content };
      },
      async write(file) {
        const id = await ownerId();
        const user = await findUser(deps.db, id);
        if (!user) throw new NodeError('FILE_NOT_FOUND', 'The run owner no longer exists');
        const bytes = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : Buffer.from(file.content);
        try {
          const { row } = await saveFile(deps, {
            ownerId: id,
            name: file.name,
            source: (async function* () {
              yield bytes;
            })(),
            limits: fileLimitsOf(user.tier, deps.enterprise),
            used: await storedBytes(deps.db, id),
          });
          return { id: row.id, name: row.name, contentType: row.contentType, size: row.size };
        } catch (err) {
          if (!(err instanceof FileSaveError)) throw err;
          throw new NodeError(
            err.code === 'FILE_TOO_LARGE' || err.code === 'STORAGE_LIMIT' ? 'FILE_TOO_LARGE' : 'CONFIG_INVALID',
            err.message,
          );
        }
      },
    };
  };
}
