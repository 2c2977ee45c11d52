// One upload: the multipart part streamed into the file store by db/file-saving.ts, its refusals as API errors.
import type { MultipartFile } from '@fastify/multipart';
import type { Database } from '../../../db/client.js';
import { FileSaveError, saveFile, type FileLimits } from '../../../db/file-saving.js';
import type { FileRow } from '../../../db/schema.js';
import type { FileStore } from '../../../platform/file-store.js';
import { ApiError } from '../errors.js';

export type UploadLimits = FileLimits;

export async function storeUpload(
  deps: { db: Database; store: FileStore },
  upload: { ownerId: string; part: MultipartFile; limits: UploadLimits; used: number },
): Promise<{ row: FileRow; created: boolean }> {
  const { part } = upload;
  try {
    return await saveFile(deps, {
      ownerId: upload.ownerId,
      name: part.filename,
      source: part.file,
      declaredType: part.mimetype,
      limits: upload.limits,
      used: upload.used,
      // Busboy stops the part at the room left (the route's fileSize) and discards the rest of the request, so the
      // client still reads the refusal; the bytes it kept are only in the temporary object, which is removed.
      truncated: () => part.file.truncated,
    });
  } catch (err) {
    if (err instanceof FileSaveError) throw new ApiError(err.code, err.message);
    throw err;
  }
}
