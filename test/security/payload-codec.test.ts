// The payload codec on its own: what it writes carries no plaintext, names its key, opens after a master-key rotation,
// refuses tampering and relabelling, and lets payloads recorded before it existed through unchanged.
import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../platform/temporal/codec.js';
import { keyIdOf, SecretError } from '../../platform/secrets.js';

const MARKER = 'marker-4f1c-user-data';
const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');
const plain = (): Payload => defaultPayloadConverter.toPayload({ note: MARKER, n: 1 });

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return err instanceof SecretError ? err.code : `not a SecretError: ${String(err)}`;
  }
}

describe('the Temporal payload codec', () => {
  it('encrypts: no plaintext, its encoding and key id in the metadata, and back again', async () => {
    const key = randomBytes(32);
    const codec = createPayloadCodec(key);
    const [sealed] = await codec.encode([plain()]);
    expect(text(sealed!.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed!.metadata?.[KEY_ID_METADATA])).toBe(keyIdOf(key));
    expect(text(sealed!.data)).not.toContain(MARKER);
    expect(JSON.stringify(sealed)).not.toContain('json/plain');
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ note: MARKER, n: 1 });
  });

  it('seals the same value differently each time (random IV)', async () => {
    const codec = createPayloadCodec(randomBytes(32));
    const [a, b] = await codec.encode([plain(), plain()]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('passes payloads without its encoding through decode unchanged (histories recorded before the codec)', async () => {
    const codec = createPayloadCodec(randomBytes(32));
    const old = plain();
    const [decoded] = await codec.decode([old]);
    expect(decoded).toBe(old);
  });

  it('opens payloads sealed under a previous master key after a rotation, and seals new ones under the new key', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const [sealedBefore] = await createPayloadCodec(oldKey).encode([plain()]);
    const rotated = createPayloadCodec(newKey, [oldKey]);
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([sealedBefore!]))[0]!)).toEqual({ note: MARKER, n: 1 });
    const [sealedAfter] = await rotated.encode([plain()]);
    expect(text(sealedAfter!.metadata?.[KEY_ID_METADATA])).toBe(keyIdOf(newKey));
    // Without the old key in the keyring, the old payload is refused by name, not misread.
    expect(await codeOf(createPayloadCodec(newKey).decode([sealedBefore!]))).toBe('SECRET_KEY_UNKNOWN');
  });

  it('refuses a tampered payload and one relabelled to another key of the keyring', async () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const codec = createPayloadCodec(a, [b]);
    const [sealed] = await codec.encode([plain()]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20] = flipped[20]! ^ 1;
    expect(await codeOf(codec.decode([{ ...sealed!, data: flipped }]))).toBe('SECRET_UNREADABLE');
    expect(await codeOf(codec.decode([{ ...sealed!, data: flipped.subarray(0, 10) }]))).toBe('SECRET_UNREADABLE');
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from(keyIdOf(b)) } };
    expect(await codeOf(codec.decode([relabelled]))).toBe('SECRET_UNREADABLE');
  });

  it('uses a key of its own, not the master key itself', async () => {
    const key = randomBytes(32);
    const [sealed] = await createPayloadCodec(key).encode([plain()]);
    const { createDecipheriv } = await import('node:crypto');
    const data = Buffer.from(sealed!.data!);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
    decipher.setAAD(Buffer.from(keyIdOf(key)));
    decipher.setAuthTag(data.subarray(data.length - 16));
    decipher.update(data.subarray(12, data.length - 16));
    expect(() => decipher.final()).toThrow();
  });
});
