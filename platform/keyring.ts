// Where the master keys come from. Production: LOOM_MASTER_KEY, and LOOM_MASTER_KEY_PREVIOUS while a rotation is
// under way. The embedded stack only: files in the data folder, `master.key` (generated on first start, mode 0600)
// and `master.key.previous` (one key a line, appended by `loom rotate-key --generate`).
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLinkSigner, type LinkSigner } from './answer-links.js';
import { createSecretBox, SecretError, type SecretBox } from './secrets.js';

export interface MasterKeys {
  /** Seals new secrets; also what answer links and sessions are signed with (derived keys). */
  current: Buffer;
  /** Open what was sealed before a rotation. */
  previous: Buffer[];
  /** Whether the current key is the data folder's file (only then can `loom rotate-key --generate` replace it). */
  source: 'env' | 'file';
}

export function masterKeyFiles(dataDir: string): { current: string; previous: string } {
  const current = path.join(dataDir, 'master.key');
  return { current, previous: `${current}.previous` };
}

const decode = (base64: string) => Buffer.from(base64.trim(), 'base64');

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The keyring of this process. The data folder's files are read only when LOOM_MASTER_KEY is unset: a production
 * key never mixes with a development one. `create: false` refuses to invent a key (a rotation needs an existing one).
 */
export async function loadMasterKeys(options: {
  current: string | undefined;
  previous: readonly string[];
  dataDir: string;
  create?: boolean;
}): Promise<MasterKeys> {
  const fromEnv = options.previous.map(decode);
  if (options.current) return { current: decode(options.current), previous: fromEnv, source: 'env' };
  const files = masterKeyFiles(options.dataDir);
  const previousFile = await readIfExists(files.previous);
  const previous = [...fromEnv, ...(previousFile ?? '').split(/\s+/).filter(Boolean).map(decode)];
  const existing = await readIfExists(files.current);
  if (existing !== undefined) return { current: decode(existing), previous, source: 'file' };
  if (options.create === false)
    throw new SecretError('SECRET_KEY_MISSING', `No master key: LOOM_MASTER_KEY is unset and ${files.current} does not exist`);
  await mkdir(options.dataDir, { recursive: true });
  // 'wx': when two processes start at once, one writes and both read the same key.
  await writeFile(files.current, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' }).catch(() => undefined);
  return { current: decode(await readFile(files.current, 'utf8')), previous, source: 'file' };
}

async function writeDurably(file: string, text: string, flag: 'a' | 'w'): Promise<void> {
  const handle = await open(file, flag, 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces the data folder's key with a new one, keeping the old one in `master.key.previous`. The old key is saved
 * first and the new one renamed into place: a crash at any point leaves every existing secret openable.
 */
export async function generateMasterKeyFile(dataDir: string): Promise<{ current: Buffer; replaced: Buffer }> {
  const files = masterKeyFiles(dataDir);
  const old = await readIfExists(files.current);
  if (old === undefined) throw new SecretError('SECRET_KEY_MISSING', `No master key to replace: ${files.current} does not exist`);
  const previous = await readIfExists(files.previous);
  const separator = previous && !previous.endsWith('\n') ? '\n' : '';
  await writeDurably(files.previous, `${separator}${old.trim()}\n`, 'a');
  const current = randomBytes(32);
  const staged = `${files.current}.new`;
  await writeDurably(staged, current.toString('base64'), 'w');
  await rename(staged, files.current);
  return { current, replaced: decode(old) };
}

/** What a process holds once its keys are loaded: the keys, and the secret box and link signer that use all of them. */
export interface Keyring {
  keys: MasterKeys;
  secrets: SecretBox;
  links: LinkSigner;
}

/** The keyring of a process from its configuration (LOOM_MASTER_KEY[_PREVIOUS], or the data folder's files). */
export async function openKeyring(
  config: { masterKey: string | undefined; previousMasterKeys: readonly string[]; dataDir: string },
  options: { create?: boolean } = {},
): Promise<Keyring> {
  const keys = await loadMasterKeys({
    current: config.masterKey,
    previous: config.previousMasterKeys,
    dataDir: config.dataDir,
    ...options,
  });
  return { keys, secrets: createSecretBox(keys.current, keys.previous), links: createLinkSigner(keys.current, keys.previous) };
}
