// Re-sealing credentials (and webhook secrets, sealed the same way) under the current master key after a rotation
// (`loom rotate-key`). Safe while Loom runs:
// each row is written with a compare-and-set on the ciphertext it was read with, so a credential changed or deleted
// meanwhile is never overwritten with stale values, and a second pass finds nothing left to do.
import { and, asc, count, eq, gt, ne } from 'drizzle-orm';
import { SecretError, type SecretBox } from '../platform/secrets.js';
import type { Database } from './client.js';
import { credentials, webhookSecrets } from './schema.js';

export interface RotationCounts {
  /** Rows found under another key than the current one. */
  examined: number;
  rotated: number;
  failed: number;
  /** Rows changed or deleted by someone else meanwhile: left as they are (a changed row was sealed anew anyway). */
  skipped: number;
}

export interface RotationFailure {
  credentialId: string;
  keyId: string;
  code: string;
  message: string;
}

export interface RotationProgress extends RotationCounts {
  /** Rows under another key when the pass started. */
  total: number;
}

/** How often a row changed under us is read again before it counts as failed. */
const MAX_ATTEMPTS = 3;

type SealedRow = { id: string; keyId: string; iv: string; tag: string; ciphertext: string };

/**
 * Every table of sealed rows. They share the sealed columns (id, keyId, iv, tag, ciphertext), which is all this file
 * touches; drizzle's overloads take one table type, hence the view of each as the credentials table.
 */
const SEALED_TABLES = [credentials, webhookSecrets as unknown as typeof credentials];
type SealedTable = (typeof SEALED_TABLES)[number];

const sealedColumns = (t: SealedTable) => ({ id: t.id, keyId: t.keyId, iv: t.iv, tag: t.tag, ciphertext: t.ciphertext });

export async function reencryptCredentials(
  db: Database,
  box: SecretBox,
  options: { batchSize?: number; onProgress?: (progress: RotationProgress) => void } = {},
): Promise<RotationCounts & { failures: RotationFailure[] }> {
  const batchSize = options.batchSize ?? 100;
  let total = 0;
  for (const table of SEALED_TABLES) total += (await db.select({ n: count() }).from(table).where(ne(table.keyId, box.keyId)))[0]?.n ?? 0;
  const counts: RotationCounts = { examined: 0, rotated: 0, failed: 0, skipped: 0 };
  const failures: RotationFailure[] = [];
  for (const table of SEALED_TABLES) {
    const stale = ne(table.keyId, box.keyId);
    // Keyset pagination by id: a row that fails keeps its old key, and must not be read again in the same pass.
    let after = '';
    for (;;) {
      const batch = await db
        .select(sealedColumns(table))
        .from(table)
        .where(and(stale, gt(table.id, after)))
        .orderBy(asc(table.id))
        .limit(batchSize);
      if (batch.length === 0) break;
      for (const row of batch) {
        counts.examined++;
        const outcome = await reseal(db, box, table, row);
        if (outcome === 'rotated' || outcome === 'skipped') counts[outcome]++;
        else {
          counts.failed++;
          failures.push({ credentialId: row.id, keyId: row.keyId, ...outcome });
        }
      }
      after = batch[batch.length - 1]!.id;
      options.onProgress?.({ ...counts, total });
    }
  }
  return { ...counts, failures };
}

async function reseal(
  db: Database,
  box: SecretBox,
  table: SealedTable,
  first: SealedRow,
): Promise<'rotated' | 'skipped' | { code: string; message: string }> {
  let row = first;
  for (let attempt = 1; ; attempt++) {
    let plaintext: string;
    try {
      plaintext = box.open(row);
    } catch (err) {
      if (err instanceof SecretError) return { code: err.code, message: err.message };
      throw err;
    }
    const sealed = box.seal(plaintext);
    const updated = await db
      .update(table)
      .set({ keyId: sealed.keyId, iv: sealed.iv, tag: sealed.tag, ciphertext: sealed.ciphertext })
      .where(and(eq(table.id, row.id), eq(table.keyId, row.keyId), eq(table.iv, row.iv)))
      .returning({ id: table.id });
    if (updated.length > 0) return 'rotated';
    // Someone wrote the row between our read and our write: look at what is there now.
    const [current] = await db.select(sealedColumns(table)).from(table).where(eq(table.id, row.id));
    if (!current || current.keyId === box.keyId) return 'skipped';
    if (attempt >= MAX_ATTEMPTS)
      return { code: 'ROTATION_CONTENDED', message: `The credential changed ${MAX_ATTEMPTS} times while being re-sealed` };
    row = current;
  }
}
