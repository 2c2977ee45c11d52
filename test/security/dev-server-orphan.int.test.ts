// Issue #11, item 2: a process that starts the embedded Temporal server and then dies without running any exit
// handler (SIGKILL, or a fatal V8 error such as the one an unbounded expression once caused) must not leave the
// server running, holding its port and its SQLite file.
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { freePort } from '../support/ports.js';

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
  });

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}

/** Starts the dev server from a child process, then ends that process the given way; resolves with the port. */
async function startThenDie(death: 'SIGKILL' | 'abort'): Promise<number> {
  const dir = await mkdtemp(path.join(tmpdir(), 'loom-orphan-'));
  const port = await freePort();
  const script = path.join(dir, 'start.mts');
  const devServer = path.resolve('platform/temporal/dev-server.ts');
  await writeFile(
    script,
    `import { startDevServer } from ${JSON.stringify(devServer)};
await startDevServer({ binary: process.env.BINARY, ip: '127.0.0.1', port: ${port}, uiPort: undefined,
  dbFilename: ${JSON.stringify(path.join(dir, 'temporal.db'))}, namespace: 'default', searchAttributes: [], logFile: ${JSON.stringify(path.join(dir, 'temporal.log'))} });
console.log('ready');
${death === 'abort' ? 'process.abort();' : 'setInterval(() => {}, 1000);'}
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, BINARY: inject('temporalCliPath') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let ready = false;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && ((ready = true), resolve()));
    child.once('exit', (code) => (ready ? resolve() : reject(new Error(`the starter exited before the server was ready (${code})`))));
  });
  expect(await accepts(port)).toBe(true);
  if (death === 'SIGKILL') child.kill('SIGKILL');
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));
  return port;
}

describe.skipIf(!inject('temporalCliPath'))('the embedded Temporal server never outlives its parent', () => {
  for (const death of ['SIGKILL', 'abort'] as const) {
    it(`stops when the parent dies by ${death}`, async () => {
      const port = await startThenDie(death);
      expect(await until(async () => !(await accepts(port)), 15_000)).toBe(true);
    }, 90_000);
  }
});
