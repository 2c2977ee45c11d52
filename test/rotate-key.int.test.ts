// Master key rotation against a real database: every credential re-sealed under the new key, readable with the new
// key alone, a second pass with nothing left to do, and a credential written meanwhile never overwritten.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, DatabaseHandle } from '../db/client.js';
import { reencryptCredentials, type RotationProgress } from '../db/credential-rotation.js';
import { insertCredential } from '../db/credential-store.js';
import { credentials } from '../db/schema.js';
import { addWebhookSecret, ensureWebhooks, validWebhookSecrets } from '../db/webhook-store.js';
import { insertWorkflow } from '../db/workflow-store.js';
import { createSecretBox, type SecretBox } from '../platform/secrets.js';
import { openTestDatabase } from './support/database.js';

describe('loom rotate-key: re-sealing credentials', () => {
  let database: DatabaseHandle;
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const values = Array.from({ length: 7 }, (_, i) => ({ token: `token-${i}-${randomBytes(8).toString('hex')}`, user: `user-${i}` }));

  beforeAll(async () => {
    database = await openTestDatabase();
    const oldBox = createSecretBox(oldKey);
    for (const [i, v] of values.entries()) {
      await insertCredential(database.db, oldBox, {
        ownerId: 'usr_test',
        type: 'httpBearer',
        name: `credential ${i}`,
        values: v,
        secretFields: ['token'],
      });
    }
  });
  afterAll(async () => {
    await database?.close();
  });

  it('re-seals every row under the new key, in batches, and a box holding only the new key opens them all', async () => {
    const box = createSecretBox(newKey, [oldKey]);
    const progress: RotationProgress[] = [];
    const result = await reencryptCredentials(database.db, box, { batchSize: 3, onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ examined: 7, rotated: 7, failed: 0, skipped: 0, failures: [] });
    expect(progress.map((p) => p.examined)).toEqual([3, 6, 7]);
    expect(progress.every((p) => p.total === 7)).toBe(true);

    const rows = await database.db.select().from(credentials).orderBy(credentials.name);
    expect(rows).toHaveLength(7);
    const onlyNew = createSecretBox(newKey);
    for (const [i, row] of rows.entries()) {
      expect(row.keyId).toBe(onlyNew.keyId);
      expect(JSON.parse(onlyNew.open(row))).toEqual(values[i]);
    }
  });

  it('a second pass finds nothing to do', async () => {
    const result = await reencryptCredentials(database.db, createSecretBox(newKey, [oldKey]), { batchSize: 3 });
    expect(result).toMatchObject({ examined: 0, rotated: 0, failed: 0, skipped: 0 });
  });

  it('counts a row under a key the box does not hold as failed, leaves it untouched, and goes on', async () => {
    const lostKey = randomBytes(32);
    const orphan = await insertCredential(database.db, createSecretBox(lostKey), {
      ownerId: 'usr_test',
      type: 'httpBearer',
      name: 'orphan',
      values: { token: 'lost-token' },
      secretFields: ['token'],
    });
    const stale = await insertCredential(database.db, createSecretBox(oldKey), {
      ownerId: 'usr_test',
      type: 'httpBearer',
      name: 'stale',
      values: { token: 'late-token' },
      secretFields: ['token'],
    });
    const box = createSecretBox(newKey, [oldKey]);
    const result = await reencryptCredentials(database.db, box, { batchSize: 1 });
    expect(result).toMatchObject({ examined: 2, rotated: 1, failed: 1 });
    expect(result.failures).toEqual([
      { credentialId: orphan.id, keyId: orphan.keyId, code: 'SECRET_KEY_UNKNOWN', message: expect.any(String) },
    ]);
    const [orphanRow] = await database.db.select().from(credentials).where(eq(credentials.id, orphan.id));
    expect(orphanRow).toMatchObject({ keyId: orphan.keyId, iv: orphan.iv, ciphertext: orphan.ciphertext });
    const [staleRow] = await database.db.select().from(credentials).where(eq(credentials.id, stale.id));
    expect(JSON.parse(createSecretBox(newKey).open(staleRow!))).toEqual({ token: 'late-token' });
    // Later passes see only their own rows.
    await database.db.delete(credentials).where(eq(credentials.id, orphan.id));
  });

  it('never overwrites a credential written between its read and its re-sealing', async () => {
    const oldBox = createSecretBox(oldKey);
    const box = createSecretBox(newKey, [oldKey]);
    const cases: { writer: SecretBox; expected: 'skipped' | 'rotated' }[] = [
      // The gateway, already on the new key, saved new values: the rotation leaves them be.
      { writer: box, expected: 'skipped' },
      // A process still on the old key saved new values: the rotation re-seals those, not the ones it first read.
      { writer: oldBox, expected: 'rotated' },
    ];
    for (const { writer, expected } of cases) {
      const row = await insertCredential(database.db, oldBox, {
        ownerId: 'usr_test',
        type: 'httpBearer',
        name: `raced ${expected}`,
        values: { token: 'first-value' },
        secretFields: ['token'],
      });
      const concurrentWrite = () =>
        database.db
          .update(credentials)
          .set(writer.seal(JSON.stringify({ token: 'second-value' })))
          .where(eq(credentials.id, row.id));
      const result = await reencryptCredentials(racingOnce(database.db, concurrentWrite), box);
      expect(result).toMatchObject({ examined: 1, failed: 0, [expected]: 1 });
      const [stored] = await database.db.select().from(credentials).where(eq(credentials.id, row.id));
      expect(stored!.keyId).toBe(box.keyId);
      expect(JSON.parse(createSecretBox(newKey).open(stored!))).toEqual({ token: 'second-value' });
    }
  });
});

/** The database, except that the first update it is asked for runs `write` first: another process got there before. */
function racingOnce(db: Database, write: () => PromiseLike<unknown>): Database {
  let raced = false;
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property !== 'update' || raced) return Reflect.get(target, property, receiver) as unknown;
      raced = true;
      return (table: typeof credentials) => ({
        set: (values: Partial<typeof credentials.$inferInsert>) => ({
          where: (condition: Parameters<ReturnType<ReturnType<Database['update']>['set']>['where']>[0]) => ({
            returning: async (fields: { id: typeof credentials.id }) => {
              await write();
              return target.update(table).set(values).where(condition).returning(fields);
            },
          }),
        }),
      });
    },
  });
}

describe('loom rotate-key: re-sealing webhook secrets', () => {
  it('re-seals them with the credentials, so a hook verifies under the new key alone', async () => {
    const database = await openTestDatabase();
    try {
      const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
      const workflow = await insertWorkflow(database.db, { ownerId: 'usr_test', name: 'hooked', document: { nodes: [] } });
      const [hook] = await ensureWebhooks(database.db, workflow, ['hook']);
      const secret = 'whsec_' + randomBytes(32).toString('base64');
      await addWebhookSecret(database.db, createSecretBox(oldKey), { hookId: hook!.id, secret, graceMs: 0, now: new Date() });
      const result = await reencryptCredentials(database.db, createSecretBox(newKey, [oldKey]));
      expect(result).toMatchObject({ examined: 1, rotated: 1, failed: 0 });
      expect(await validWebhookSecrets(database.db, createSecretBox(newKey), hook!.id, new Date())).toEqual([secret]);
    } finally {
      await database.close();
    }
  });
});
