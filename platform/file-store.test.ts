// The filesystem FileStore: objects appear under their key only once complete, and keys cannot leave the folder.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStoreKeyError, filesystemFileStore, type FileStore } from './file-store.js';

let root: string;
let store: FileStore;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'loom-files-'));
  store = filesystemFileStore(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const text = async (s: Readable) => Buffer.concat(await s.toArray()).toString();

describe('filesystemFileStore', () => {
  it('puts, reads, moves and deletes objects', async () => {
    expect(await store.put('tmp/a', Readable.from([Buffer.from('hello '), Buffer.from('world')]))).toBe(11);
    await store.move('tmp/a', 'usr_1/abc');
    expect(await store.exists('tmp/a')).toBe(false);
    expect(await text((await store.get('usr_1/abc'))!)).toBe('hello world');
    expect(await readFile(path.join(root, 'usr_1', 'abc'), 'utf8')).toBe('hello world');
    await store.delete('usr_1/abc');
    await store.delete('usr_1/abc');
    expect(await store.get('usr_1/abc')).toBeUndefined();
  });

  it('leaves nothing under the key, and no temporary file, when the source fails midway', async () => {
    async function* failing() {
      yield Buffer.alloc(1024, 1);
      throw new Error('client went away');
    }
    await expect(store.put('usr_1/half', failing())).rejects.toThrow('client went away');
    expect(await store.exists('usr_1/half')).toBe(false);
    expect(await readdir(path.join(root, '.tmp'))).toEqual([]);
  });

  it('refuses keys that would leave its folder', async () => {
    for (const key of ['../x', 'a/../../x', '/etc/passwd', '.tmp/x', 'a//b', '']) {
      await expect(store.exists(key), key).rejects.toBeInstanceOf(FileStoreKeyError);
    }
  });
});
