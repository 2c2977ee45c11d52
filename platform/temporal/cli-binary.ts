// Finds the `temporal` CLI that runs Loom's embedded dev server, building it with Go when it is missing.
// Order: TEMPORAL_CLI_PATH, `temporal` on PATH, Go's bin folder, `go install` (pinned), else undefined
// (the caller then falls back to the download that @temporalio/testing performs).
import { execFile, spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Newer tags carry a local `replace` directive in go.mod and cannot be `go install`ed. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export interface Progress {
  (message: string): void;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && (await isExecutable(path.join(dir, name)))) return path.join(dir, name);
  }
  return undefined;
}

async function goBinDir(): Promise<string | undefined> {
  try {
    const { stdout } = await run('go', ['env', 'GOBIN', 'GOPATH']);
    const [gobin, gopath] = stdout.split('\n').map((s) => s.trim());
    if (gobin) return gobin;
    if (gopath) return path.join(gopath.split(path.delimiter)[0] ?? gopath, 'bin');
  } catch {
    // No Go toolchain on this machine.
  }
  return undefined;
}

/** Runs `go install` with a heartbeat so a first build of several minutes never looks like a hang. */
async function goInstall(progress: Progress): Promise<void> {
  progress(`Building the Temporal CLI with Go (${TEMPORAL_CLI_MODULE}); the first build takes a few minutes.`);
  const started = Date.now();
  let packages = 0;
  let lastLine = '';
  const child = spawn('go', ['install', '-v', TEMPORAL_CLI_MODULE], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (!line.trim()) continue;
      lastLine = line.trim();
      if (!line.startsWith('go: downloading')) packages++;
    }
  });
  const heartbeat = setInterval(() => {
    const secs = Math.round((Date.now() - started) / 1000);
    progress(`  ...still building Temporal CLI: ${secs}s, ${packages} packages compiled (last: ${lastLine})`);
  }, 15_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new Error(`go install ${TEMPORAL_CLI_MODULE} failed (exit ${code}): ${lastLine}`);
  } finally {
    clearInterval(heartbeat);
  }
  progress(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)}s.`);
}

/**
 * Returns the path of a usable `temporal` binary, building it when Go is available.
 * Returns undefined only on a machine with neither a binary nor Go.
 */
export async function locateTemporalCli(options: { explicitPath?: string | undefined; progress: Progress }): Promise<string | undefined> {
  if (options.explicitPath) {
    if (await isExecutable(options.explicitPath)) return options.explicitPath;
    throw new Error(`TEMPORAL_CLI_PATH=${options.explicitPath} is not an executable file`);
  }
  const found = await onPath('temporal');
  if (found) return found;
  const binDir = await goBinDir();
  if (!binDir) return undefined;
  const built = path.join(binDir, 'temporal');
  if (await isExecutable(built)) return built;
  await goInstall(options.progress);
  if (await isExecutable(built)) return built;
  throw new Error(`go install reported success but ${built} is missing`);
}
