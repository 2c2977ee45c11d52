// `loom dev` as a newcomer runs it: one process, real Temporal dev server with its Web UI, the embedded database.
// Stopping it mid-run and starting it again loses nothing: the run in flight completes, finished ones stay visible.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createPostgresDatabase, testDatabaseKind } from './support/database.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { freePort } from './support/ports.js';

interface DevProcess {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
}

const SECURE_TOKEN = `tok_${Math.random().toString(36).slice(2)}${Date.now()}`;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let api: string;
let ui: string;
let peer: HttpPeer;
let dropDatabase: (() => Promise<void>) | undefined;
let releaseSlow: () => void = () => undefined;
let accessToken: string | undefined;
let adminPassword: string | undefined;

async function startDev(): Promise<DevProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/cli/main.ts', 'dev'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`loom dev did not start in time:\n${output}`)), 120_000);
    child.stdout.on('data', () => {
      if (output.includes('Loom is running.')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`loom dev exited with ${code}:\n${output}`));
    });
  });
  return { child, output: () => output };
}

async function stopDev(dev: DevProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => dev.child.once('exit', (code) => resolve(code)));
  dev.child.kill('SIGINT');
  return exited;
}

/** Runs `loom CMD` to completion with the stack's environment. */
async function loom(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/cli/main.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

async function login(): Promise<void> {
  accessToken = undefined;
  const res = await json<{ accessToken: string }>('POST', `${api}/v1/auth/login`, { email: 'admin@loom.local', password: adminPassword });
  expect(res.status).toBe(200);
  accessToken = res.body.accessToken;
}

/** The run's open request, once it has asked (within 20 s). */
async function openRequestOf(runId: string): Promise<{ id: string }> {
  for (let i = 0; i < 200; i++) {
    const open = (await json<{ items: { id: string }[] }>('GET', `${api}/v1/requests?status=open&runId=${runId}`)).body.items[0];
    if (open) return open;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${runId} opened no request`);
}

async function json<T>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
  };
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

async function waitForStatus(
  runId: string,
  want: string,
  timeoutMs = 60_000,
): Promise<{ status: string; nodes: { nodeId: string; status: string; output: unknown }[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await json<{ status: string; nodes: { nodeId: string; status: string; output: unknown }[] }>(
      'GET',
      `${api}/v1/runs/${runId}`,
    );
    if (body.status === want) return body;
    if (Date.now() > deadline) throw new Error(`run ${runId} is ${body.status}, wanted ${want}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'loom-dev-'));
  const port = await freePort();
  const uiPort = await freePort();
  api = `http://127.0.0.1:${port}`;
  ui = `http://127.0.0.1:${uiPort}`;
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOOM_DATA_DIR: dataDir,
    PORT: String(port),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(uiPort),
    TEMPORAL_CLI_PATH: inject('temporalCliPath') || undefined,
    LOG_LEVEL: 'warn',
    LOOM_HTTP_ALLOWED_HOSTS: '127.0.0.1',
  };
  if (testDatabaseKind() === 'postgres') {
    const created = await createPostgresDatabase();
    env.DATABASE_URL = created.url;
    dropDatabase = created.drop;
  }
  const gate = new Promise<void>((resolve) => (releaseSlow = resolve));
  peer = await startHttpPeer((app) => {
    app.get('/fast', async () => ({ fast: true }));
    app.get('/secure', async (req) => ({ authorized: req.headers.authorization === `Bearer ${SECURE_TOKEN}` }));
    // Answers only once the test releases it: the run is in flight while the stack restarts.
    app.get('/slow', async () => {
      await gate;
      return { slow: true };
    });
  });
});

afterAll(async () => {
  releaseSlow();
  await peer?.close();
  await dropDatabase?.();
  await rm(dataDir, { recursive: true, force: true });
});

describe('loom dev', () => {
  it('serves the API and the Temporal Web UI, and keeps runs across a restart', async () => {
    let dev = await startDev();
    expect(dev.output()).toContain(api);
    expect(dev.output()).toContain(ui);
    expect(dev.output()).toContain(dataDir);

    const health = await json<{ status: string }>('GET', `${api}/healthz`);
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    const webUi = await fetch(ui);
    expect(webUi.status).toBe(200);
    expect(await webUi.text()).toMatch(/<html/i);

    // A fresh installation: the API refuses strangers, and the first start printed the administrator's password once.
    expect((await json('GET', `${api}/v1/workflows`)).status).toBe(401);
    const password = /Password\s+(\S+)/.exec(dev.output())?.[1];
    expect(password).toBeTruthy();
    adminPassword = password;
    const login = await json<{ accessToken: string }>('POST', `${api}/v1/auth/login`, { email: 'admin@loom.local', password });
    expect(login.status).toBe(200);
    accessToken = login.body.accessToken;

    const doc = (name: string, url: string) => ({
      name,
      nodes: [
        { id: 'start', type: 'trigger.manual', config: {} },
        { id: 'call', type: 'http.request', config: { url }, timeoutMs: 120_000 },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'call' }],
    });
    const fastWf = await json<{ id: string }>('POST', `${api}/v1/workflows`, doc('fast', `${peer.url}/fast`));
    const slowWf = await json<{ id: string }>('POST', `${api}/v1/workflows`, doc('slow', `${peer.url}/slow`));
    const fastRun = await json<{ id: string }>('POST', `${api}/v1/workflows/${fastWf.body.id}/runs`, {});
    await waitForStatus(fastRun.body.id, 'completed');

    // A run waiting for a person when the stack stops: the question survives, and the answer after the restart counts.
    const askWf = await json<{ id: string }>('POST', `${api}/v1/workflows`, {
      name: 'ask',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'ask', type: 'human.question', config: { question: 'Go on?', options: ['yes', 'no'] } },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'ask' }],
    });
    const askRun = await json<{ id: string }>('POST', `${api}/v1/workflows/${askWf.body.id}/runs`, {});
    const open = await openRequestOf(askRun.body.id);

    const slowRun = await json<{ id: string }>('POST', `${api}/v1/workflows/${slowWf.body.id}/runs`, {});
    const deadline = Date.now() + 30_000;
    while (!peer.requests.some((r) => r.url === '/slow') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(peer.requests.some((r) => r.url === '/slow')).toBe(true);

    expect(await stopDev(dev)).toBe(0);
    releaseSlow();

    dev = await startDev();
    try {
      // The account exists now: no second password, and the session from before the restart still works.
      expect(dev.output()).not.toMatch(/Password\s+\S+/);
      const me = await json<{ id: string; role: string }>('GET', `${api}/v1/me`);
      expect(me).toMatchObject({ status: 200, body: { role: 'admin' } });
      const fast = await waitForStatus(fastRun.body.id, 'completed', 5_000);
      expect(fast.nodes.find((n) => n.nodeId === 'call')?.output).toMatchObject({ status: 200, body: { fast: true } });
      const slow = await waitForStatus(slowRun.body.id, 'completed', 90_000);
      expect(slow.nodes.find((n) => n.nodeId === 'call')?.output).toMatchObject({ status: 200, body: { slow: true } });
      const answered = await json<{ status: string }>('POST', `${api}/v1/requests/${open.id}/answer`, { answer: 'yes' });
      expect(answered).toMatchObject({ status: 200, body: { status: 'answered' } });
      const asked = await waitForStatus(askRun.body.id, 'completed', 30_000);
      expect(asked.nodes.find((n) => n.nodeId === 'ask')?.output).toMatchObject({ answer: 'yes', by: me.body.id });
      const workflows = await json<{ items: { id: string }[] }>('GET', `${api}/v1/workflows`);
      expect(workflows.body.items.map((w) => w.id)).toEqual(expect.arrayContaining([fastWf.body.id, slowWf.body.id]));
    } finally {
      expect(await stopDev(dev)).toBe(0);
    }
  }, 300_000);

  it('rotates the master key while a run waits for a person, and the run then uses its credential under the new key', async () => {
    let dev = await startDev();
    let stopped = false;
    try {
      await login();
      const credential = await json<{ id: string }>('POST', `${api}/v1/credentials`, {
        type: 'httpBearer',
        name: 'Partner API',
        values: { token: SECURE_TOKEN },
      });
      expect(credential.status).toBe(201);
      const wf = await json<{ id: string }>('POST', `${api}/v1/workflows`, {
        name: 'ask then call',
        nodes: [
          { id: 'start', type: 'trigger.manual' },
          { id: 'ask', type: 'human.question', config: { question: 'Call the partner?', options: ['yes', 'no'] } },
          { id: 'call', type: 'http.request', config: { url: `${peer.url}/secure` }, credentials: { auth: credential.body.id } },
        ],
        edges: [
          { id: 'e1', source: 'start', target: 'ask' },
          { id: 'e2', source: 'ask', target: 'call' },
        ],
      });
      expect(wf.status).toBe(201);
      const run = await json<{ id: string }>('POST', `${api}/v1/workflows/${wf.body.id}/runs`, {});
      const open = await openRequestOf(run.body.id);

      if (!env.DATABASE_URL) {
        // The embedded database is this process's: a rotation beside it is refused before any key changes.
        const refused = await loom(['rotate-key', '--generate']);
        expect(refused.code).toBe(1);
        expect(refused.output).toMatch(/in use by process \d+/);
      }
      const keyBefore = (await readFile(path.join(dataDir, 'master.key'), 'utf8')).trim();

      expect(await stopDev(dev)).toBe(0);
      stopped = true;
      const rotated = await loom(['rotate-key', '--generate']);
      expect(rotated.output).toMatch(/Done: 1 examined, 1 re-sealed, 0 changed meanwhile, 0 failed/);
      expect(rotated.code).toBe(0);
      const keyAfter = (await readFile(path.join(dataDir, 'master.key'), 'utf8')).trim();
      expect(keyAfter).not.toBe(keyBefore);
      expect(await readFile(path.join(dataDir, 'master.key.previous'), 'utf8')).toContain(keyBefore);
      // A second pass has nothing left to do.
      expect((await loom(['rotate-key'])).output).toMatch(/Done: 0 examined/);
      // The old key stays in the keyring: the waiting run's Temporal history is encrypted under it (histories
      // cannot be re-encrypted), so it may be retired only once the runs started before the rotation have finished.

      dev = await startDev();
      stopped = false;
      // Sessions were signed under a key derived from the old master key: they end, and a new login works.
      expect((await json('GET', `${api}/v1/me`)).status).toBe(401);
      await login();
      const masked = await json<{ fields: Record<string, string> }>('GET', `${api}/v1/credentials/${credential.body.id}`);
      expect(masked).toMatchObject({ status: 200, body: { fields: { token: '••••••••' } } });
      const answered = await json<{ status: string }>('POST', `${api}/v1/requests/${open.id}/answer`, { answer: 'yes' });
      expect(answered).toMatchObject({ status: 200, body: { status: 'answered' } });
      const done = await waitForStatus(run.body.id, 'completed', 60_000);
      expect(done.nodes.find((n) => n.nodeId === 'call')?.output).toMatchObject({ status: 200, body: { authorized: true } });
    } finally {
      if (!stopped) expect(await stopDev(dev)).toBe(0);
    }
  }, 300_000);
});
