import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateMasterKeyFile, loadMasterKeys, masterKeyFiles } from './keyring.js';
import { createSecretBox, SecretError } from './secrets.js';

describe('master keys', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'loom-keyring-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('takes LOOM_MASTER_KEY and its previous keys from the environment, never the data folder', async () => {
    const current = randomBytes(32);
    const previous = randomBytes(32);
    const keys = await loadMasterKeys({ current: current.toString('base64'), previous: [previous.toString('base64')], dataDir });
    expect(keys).toEqual({ current, previous: [previous], source: 'env' });
    await expect(stat(masterKeyFiles(dataDir).current)).rejects.toThrow();
  });

  it('generates the embedded key once (mode 0600), or refuses to when asked not to', async () => {
    await expect(loadMasterKeys({ current: undefined, previous: [], dataDir, create: false })).rejects.toBeInstanceOf(SecretError);
    const first = await loadMasterKeys({ current: undefined, previous: [], dataDir });
    const again = await loadMasterKeys({ current: undefined, previous: [], dataDir, create: false });
    expect(again.current.equals(first.current)).toBe(true);
    expect(first.source).toBe('file');
    expect((await stat(masterKeyFiles(dataDir).current)).mode & 0o777).toBe(0o600);
  });

  it('--generate: a new key file, the old keys kept in master.key.previous, all of them in the keyring', async () => {
    const original = (await loadMasterKeys({ current: undefined, previous: [], dataDir })).current;
    const sealed = createSecretBox(original).seal('value');
    const first = await generateMasterKeyFile(dataDir);
    const second = await generateMasterKeyFile(dataDir);
    expect(first.replaced.equals(original)).toBe(true);
    expect(second.replaced.equals(first.current)).toBe(true);
    const keys = await loadMasterKeys({ current: undefined, previous: [], dataDir, create: false });
    expect(keys.current.equals(second.current)).toBe(true);
    expect(keys.previous.map((k) => k.toString('base64'))).toEqual([original.toString('base64'), first.current.toString('base64')]);
    expect(createSecretBox(keys.current, keys.previous).open(sealed)).toBe('value');
    expect((await readFile(masterKeyFiles(dataDir).previous, 'utf8')).trim().split('\n')).toHaveLength(2);
    expect((await stat(masterKeyFiles(dataDir).previous)).mode & 0o777).toBe(0o600);
  });

  it('--generate refuses when there is no key to replace', async () => {
    await expect(generateMasterKeyFile(dataDir)).rejects.toBeInstanceOf(SecretError);
  });
});
