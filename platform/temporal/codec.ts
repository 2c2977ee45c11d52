// Encrypts every payload Loom hands to Temporal (workflow inputs, activity results, updates, queries, memo), so an
// operator reading Temporal's database sees no user data. AES-256-GCM under a key derived from the master key; each
// payload names the master key it was sealed under, so histories recorded before a rotation stay readable as long as
// the old key is in the keyring (LOOM_MASTER_KEY_PREVIOUS). Payloads without the codec's encoding (histories recorded
// before the codec existed) pass through decode unchanged, so they still replay.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
// CommonJS package: named ESM imports of it fail under Node, so take the default export.
import proto from '@temporalio/proto';
import { keyIdOf, SecretError } from '../secrets.js';

/** `metadata.encoding` of an encrypted payload; the Web UI shows it as is until a codec server decodes it. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** `metadata[KEY_ID_METADATA]`: the id of the master key (as in sealed credentials) the payload was sealed under. */
export const KEY_ID_METADATA = 'encryption-key-id';

const PayloadProto = proto.temporal.api.common.v1.Payload;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** A dedicated key per purpose: a payload key never signs a link or seals a credential. */
const payloadKey = (masterKey: Buffer) => Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'loom-temporal-payloads-v1', 32));

export interface LoomPayloadCodec extends PayloadCodec {
  /** The master key new payloads are sealed under. */
  keyId: string;
}

/** Seals under `current`; opens payloads sealed under `current` or any of `previous` (keys being rotated out). */
export function createPayloadCodec(current: Buffer, previous: readonly Buffer[] = []): LoomPayloadCodec {
  const keys = new Map<string, Buffer>();
  for (const master of [current, ...previous]) {
    if (master.length !== 32) throw new SecretError('SECRET_KEY_INVALID');
    if (!keys.has(keyIdOf(master))) keys.set(keyIdOf(master), payloadKey(master));
  }
  const keyId = keyIdOf(current);
  const sealKey = keys.get(keyId)!;

  function seal(payload: Payload): Payload {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', sealKey, iv);
    // The key id is authenticated: relabelling a payload to another key makes it unreadable, not misread.
    cipher.setAAD(utf8(keyId));
    const plaintext = PayloadProto.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return { metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(keyId) }, data };
  }

  function open(payload: Payload): Payload {
    const encoding = payload.metadata?.encoding;
    if (!encoding || Buffer.from(encoding).toString('utf8') !== ENCRYPTED_ENCODING) return payload;
    const id = payload.metadata?.[KEY_ID_METADATA];
    const sealedUnder = id ? Buffer.from(id).toString('utf8') : '(none)';
    const key = keys.get(sealedUnder);
    if (!key)
      throw new SecretError(
        'SECRET_KEY_UNKNOWN',
        `A Temporal payload is sealed under key ${sealedUnder}, which this process does not hold (current ${keyId})`,
      );
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new SecretError('SECRET_UNREADABLE', 'A Temporal payload could not be decrypted (truncated)');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(utf8(sealedUnder));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return PayloadProto.decode(plaintext);
    } catch {
      throw new SecretError('SECRET_UNREADABLE', 'A Temporal payload could not be decrypted (wrong key or tampered data)');
    }
  }

  return {
    keyId,
    encode: async (payloads) => payloads.map(seal),
    decode: async (payloads) => payloads.map(open),
  };
}
