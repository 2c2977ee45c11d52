// PGlite is a database inside this process: two processes opening the same folder would each believe they own it
// and corrupt it. A lock file beside the folder names the process that has it open; a second opener (a standalone
// worker beside `npm start`, `loom rotate-key` while Loom runs) is refused with a message saying what to do.
import { readFile, rm, writeFile } from 'node:fs/promises';

export class DatabaseInUseError extends Error {
  readonly code = 'DATABASE_IN_USE';
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock of `dataDir` for this process; returns its release. A lock left by a process that died is taken over. */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return async () => {
        // Only our own lock: never remove one a later process took over.
        const holder = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
        if (holder === process.pid) await rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
      throw new DatabaseInUseError(
        `The embedded database ${dataDir} is in use by process ${holder}${holder === process.pid ? ' (this one)' : ''}. ` +
          'Stop that process first, or use a PostgreSQL server (DATABASE_URL) to share one database between processes.',
      );
    }
    // Left by a process that is gone (or half-written by one that died while writing it).
    await rm(file, { force: true });
  }
  throw new DatabaseInUseError(`Could not take the lock ${file}: another process keeps taking it`);
}
