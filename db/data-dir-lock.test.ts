import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatabaseInUseError, lockDataDir } from './data-dir-lock.js';

const folder = async () => path.join(await mkdtemp(path.join(tmpdir(), 'loom-lock-')), 'pglite');

describe('embedded database lock', () => {
  it('refuses a second opener while the first holds it, and lets the next one in after release', async () => {
    const dir = await folder();
    const release = await lockDataDir(dir);
    expect(await readFile(`${dir}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    await expect(lockDataDir(dir)).rejects.toBeInstanceOf(DatabaseInUseError);
    await expect(lockDataDir(dir)).rejects.toThrowError(/in use by process \d+ \(this one\)/);
    await release();
    const again = await lockDataDir(dir);
    await again();
  });

  it('takes over a lock left by a process that is gone', async () => {
    const dir = await folder();
    // A pid that existed and has exited: a child we waited for.
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => child.on('exit', resolve));
    await writeFile(`${dir}.lock`, `${child.pid}\n`);
    const release = await lockDataDir(dir);
    expect(await readFile(`${dir}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    await release();
  });

  it('is refused while another live process holds it', async () => {
    const dir = await folder();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await writeFile(`${dir}.lock`, `${child.pid}\n`);
      await expect(lockDataDir(dir)).rejects.toThrowError(new RegExp(`in use by process ${child.pid}\\. Stop that process`));
    } finally {
      child.kill();
    }
  });
});
