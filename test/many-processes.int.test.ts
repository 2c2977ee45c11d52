// Loom's production shape under faults: an external Temporal server, two gateways and two workers as separate
// processes on the real PostgreSQL and Redis. Runs of four kinds (activity writes, pure nodes, a for-each, an approval
// answered through the other gateway) are started across both gateways and followed over SSE through the other one,
// while one worker is killed with SIGKILL, the Temporal server restarts and every PostgreSQL connection is dropped.
// Then: every run completed exactly once, every node row and event once, no SSE stream missed an event, tier limits
// and stream limits held across gateways (Redis), no process crashed. LOOM_FAULT_RUNS sets the number of runs (CI:
// 48, about two minutes on two cores); `npm run soak` runs 300 and a ten-minute variant (docs/benchmarks.md).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { startDevServer, type DevServer } from '../platform/temporal/dev-server.js';
import { idempotencyKeyOf } from '../nodes/sdk/idempotency.js';
import { LOOM_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { createPostgresDatabase, testDatabaseKind } from './support/database.js';
import { edge } from './support/documents.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { scrapeValue, startLoomProcess, waitUntilUp, type LoomProcess } from './support/loom-processes.js';
import { freePort } from './support/ports.js';
import { readSse } from './support/sse.js';

const RUNS = Number(process.env.LOOM_FAULT_RUNS ?? 48);
/** Set (npm run soak: 10): after the fault test, steady runs for this many minutes with resident memory sampled. */
const SOAK_MINUTES = Number(process.env.LOOM_SOAK_MINUTES ?? 0);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TOKEN = 'metrics-token-many-processes';
const ADMIN = { email: 'ops@loom.test', password: 'a-long-admin-password' };
const KINDS = ['activity', 'pure', 'loop', 'approval'] as const;
type Kind = (typeof KINDS)[number];
const postgres = testDatabaseKind() === 'postgres';
const redisUp =
  postgres &&
  (await (async () => {
    const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1_000 });
    try {
      await r.connect();
      await r.ping();
      return true;
    } catch {
      return false;
    } finally {
      r.disconnect();
    }
  })());

interface Started {
  id: string;
  kind: Kind;
  via: number;
}

describe.skipIf(!postgres || !redisUp)('many processes under faults', () => {
  const key = randomBytes(32).toString('base64');
  const taskQueue = `many-${Date.now()}`;
  const gateways: LoomProcess[] = [];
  const workers: LoomProcess[] = [];
  const statuses: number[] = [];
  const serverErrors: string[] = [];
  let temporal: DevServer;
  let temporalOptions: Parameters<typeof startDevServer>[0];
  let temporalDir: string;
  let databaseUrl: string;
  let dropDatabase: () => Promise<void>;
  let peer: HttpPeer;
  let token = '';
  const effects: { key: string; path: string }[] = [];
  let inFlight = 0;

  const api = async (gateway: number, method: string, url: string, body?: unknown, auth = token) => {
    // Bounded: a request a gateway never answers is a failure to report, not a test that hangs until its timeout.
    const res = await fetch(`${gateways[gateway]!.opsUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${auth}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    }).catch((err: unknown) => {
      serverErrors.push(`${method} ${url} via gateway-${gateway}: no answer (${String(err)})`);
      throw err;
    });
    statuses.push(res.status);
    const text = await res.text();
    // A 5xx other than 503 is a bug to find: keep what it said.
    if (res.status >= 500 && res.status !== 503)
      serverErrors.push(`${method} ${url} via gateway-${gateway}: ${res.status} ${text.slice(0, 300)}`);
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: a test step that reads it fails on its own
    }
    return { status: res.status, json: json as Record<string, unknown> & { id: string; items: unknown[] } };
  };

  function startGateway(n: number, port: number) {
    const g = startLoomProcess(
      `gateway-${n}`,
      'gateway',
      { ...common(), PORT: String(port), LOOM_METRICS_TOKEN: TOKEN },
      `http://127.0.0.1:${port}`,
    );
    gateways.push(g);
    return g;
  }
  async function startWorker(n: number) {
    const [port, sdkPort] = [await freePort(), await freePort()];
    const w = startLoomProcess(
      `worker-${n}`,
      'worker',
      {
        ...common(),
        LOOM_METRICS_PORT: String(port),
        LOOM_METRICS_TOKEN: TOKEN,
        // The Temporal SDK's own metrics, which the worker's /metrics appends.
        LOOM_TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${sdkPort}`,
      },
      `http://127.0.0.1:${port}`,
    );
    workers.push(w);
    return w;
  }
  const common = () => ({
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    LOOM_MASTER_KEY: key,
    LOOM_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
    LOOM_HTTP_ALLOWED_HOSTS: '127.0.0.1',
    LOOM_DATA_DIR: temporalDir,
    LOOM_ADMIN_EMAIL: ADMIN.email,
    LOOM_ADMIN_PASSWORD: ADMIN.password,
    HOST: '127.0.0.1',
  });

  beforeAll(async () => {
    const created = await createPostgresDatabase();
    databaseUrl = created.url;
    dropDatabase = created.drop;
    temporalDir = await mkdtemp(path.join(tmpdir(), 'loom-many-'));
    temporalOptions = {
      binary: inject('temporalCliPath') || undefined,
      ip: '127.0.0.1',
      port: await freePort(),
      uiPort: undefined,
      // On disk, so a restart of the server keeps every run.
      dbFilename: path.join(temporalDir, 'temporal.db'),
      namespace: 'default',
      searchAttributes: LOOM_SEARCH_ATTRIBUTES,
      logFile: path.join(temporalDir, 'temporal.log'),
    };
    temporal = await startDevServer(temporalOptions);
    peer = await startHttpPeer((app) => {
      // A write that takes a moment, so some are in flight when a worker dies.
      app.post('/effect/:name', async (req) => {
        effects.push({ key: String(req.headers['idempotency-key']), path: req.url });
        inFlight++;
        await new Promise((r) => setTimeout(r, 400));
        inFlight--;
        return { ok: true };
      });
      app.get('/read', async () => ({ n: 7 }));
    });
    // All four at once against a fresh database: the migrations run once, under their lock.
    const [a, b] = [await freePort(), await freePort()];
    startGateway(1, a);
    startGateway(2, b);
    await startWorker(1);
    await startWorker(2);
    await Promise.all([...gateways, ...workers].map((p) => waitUntilUp(p)));
    const login = await fetch(`${gateways[0]!.opsUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    token = ((await login.json()) as { accessToken: string }).accessToken;
    expect(token).toBeTruthy();
  }, 180_000);

  afterAll(async () => {
    await Promise.all([...gateways, ...workers].map((p) => p.kill()));
    await peer?.close();
    await temporal?.stop();
    await dropDatabase?.();
    if (temporalDir) await rm(temporalDir, { recursive: true, force: true });
  });

  const documents: Record<Kind, (name: string) => object> = {
    activity: (name) => ({
      name,
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        {
          id: 'write',
          type: 'http.request',
          config: { method: 'POST', url: `${peer.url}/effect/write`, bodyType: 'json', body: { a: 1 } },
        },
        { id: 'read', type: 'http.request', config: { url: `${peer.url}/read` } },
      ],
      edges: [edge('start', 'write'), edge('write', 'read')],
    }),
    pure: (name) => ({
      name,
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'shape', type: 'data.set', config: { assignments: [{ name: 'n', value: '{{ 6 * 7 }}' }] } },
        { id: 'check', type: 'logic.if', config: { conditions: [{ left: '{{ $json.n }}', operator: 'gt', right: 10 }] } },
        { id: 'done', type: 'flow.noop' },
      ],
      edges: [edge('start', 'shape'), edge('shape', 'check'), edge('check', 'done', 'true')],
    }),
    loop: (name) => ({
      name,
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'loop', type: 'flow.for_each', config: { items: '{{ [1, 2, 3] }}' } },
        { id: 'each', type: 'http.request', parent: 'loop', config: { method: 'POST', url: `${peer.url}/effect/item` } },
        { id: 'after', type: 'flow.noop' },
      ],
      edges: [edge('start', 'loop'), edge('loop', 'each', 'item'), edge('loop', 'after', 'done')],
    }),
    approval: (name) => ({
      name,
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'ok', type: 'human.approval', config: { message: 'Go?' } },
        { id: 'write', type: 'http.request', config: { method: 'POST', url: `${peer.url}/effect/approved` } },
      ],
      edges: [edge('start', 'ok'), edge('ok', 'write')],
    }),
  };
  /** Writes each kind makes to the peer: the exactly-once count. */
  const WRITES: Record<Kind, number> = { activity: 1, pure: 0, loop: 3, approval: 1 };

  it(`${RUNS} runs across both gateways survive a killed worker, a Temporal restart and dropped connections`, async () => {
    // What each process last said, for whoever reads a failure (a process that died says why here).
    onTestFailed(() => {
      for (const p of [...gateways, ...workers])
        console.error(`--- ${p.name} (exit ${p.child.exitCode ?? p.child.signalCode ?? 'alive'}):\n${p.stderr().slice(-4_000)}`);
    });
    const workflowIds: Record<Kind, string> = { activity: '', pure: '', loop: '', approval: '' };
    for (const kind of KINDS) {
      const saved = await api(0, 'POST', '/v1/workflows', documents[kind](`many ${kind}`));
      expect(saved.status, JSON.stringify(saved.json)).toBe(201);
      workflowIds[kind] = saved.json.id;
    }
    const memoryBefore = await Promise.all(
      [...gateways, ...workers].map((p) => scrapeValue(p, 'loom_process_resident_memory_bytes', TOKEN)),
    );
    const started: Started[] = [];
    const sse = new Map<string, Promise<number[]>>();
    const t0 = Date.now();

    /** Starts `count` runs, alternating gateways and kinds; a start refused while Temporal is down is retried. */
    async function wave(count: number) {
      await Promise.all(
        Array.from({ length: count }, async () => {
          const kind = KINDS[started.length % KINDS.length]!;
          const via = started.length % 2;
          started.push({ id: '', kind, via });
          const slot = started.at(-1)!;
          for (let attempt = 0; ; attempt++) {
            const res = await api(via, 'POST', `/v1/workflows/${workflowIds[kind]}/runs`, {});
            if (res.status === 202) {
              slot.id = res.json.id;
              break;
            }
            if (attempt > 40) throw new Error(`a start of ${kind} refused ${res.status}: ${JSON.stringify(res.json)}`);
            await new Promise((r) => setTimeout(r, 500));
          }
          // Every fourth run is followed live through the gateway that did not start it.
          if (started.indexOf(slot) % 4 === 1) sse.set(slot.id, follow(1 - via, slot.id));
        }),
      );
    }

    /** An EventSource-like follower: reconnects with Last-Event-ID until the run's final event; the seqs it saw. */
    async function follow(gateway: number, runId: string): Promise<number[]> {
      const seen: number[] = [];
      const deadline = Date.now() + 150_000;
      while (Date.now() < deadline) {
        try {
          // The deadline holds inside a stream too: a stalled stream still sends keep-alives and would never end.
          for await (const e of readSse(`${gateways[gateway]!.opsUrl}/v1/runs/${runId}/events`, {
            authorization: `Bearer ${token}`,
            signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
            ...(seen.length ? { lastEventId: seen.at(-1)! } : {}),
          })) {
            seen.push(e.data.seq);
            if (['run_completed', 'run_failed', 'run_cancelled'].includes(e.data.type)) return seen;
          }
        } catch {
          // A dropped connection (its gateway lost the database for a moment): reconnect from the last event.
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      return seen;
    }

    /** Answers every open approval through the gateway that did not start its run. */
    let answering = true;
    const answers = (async () => {
      while (answering) {
        const open = await api(1, 'GET', '/v1/requests?status=open&limit=100').catch(() => undefined);
        for (const r of (open?.json?.items ?? []) as { id: string; runId: string }[]) {
          const via = started.find((s) => s.id === r.runId)?.via ?? 0;
          await api(1 - via, 'POST', `/v1/requests/${r.id}/answer`, { answer: 'approve' }).catch(() => undefined);
        }
        await new Promise((r) => setTimeout(r, 300));
      }
    })();

    const third = Math.ceil(RUNS / 3);
    await wave(third);
    // A worker dies with writes in flight (most likely some of them its own); Temporal retries them elsewhere after
    // their heartbeat timeout, with the same Idempotency-Key.
    for (let i = 0; i < 250 && inFlight < 2; i++) await new Promise((r) => setTimeout(r, 20));
    const inFlightAtKill = inFlight;
    await workers[0]!.kill();
    await wave(third);
    // The Temporal server restarts (its state on disk); gateways answer 503 meanwhile, clients retry.
    await temporal.stop();
    temporal = await startDevServer(temporalOptions);
    await startWorker(3).then((w) => waitUntilUp(w));
    // Every PostgreSQL connection of the database is dropped once: pools and LISTEN reconnect.
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    const dropped = await admin.query(
      'select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()) t',
    );
    await admin.end();
    expect(dropped.rows[0].n).toBeGreaterThan(0);
    await wave(RUNS - 2 * third);

    // Every run ends.
    const deadline = Date.now() + 150_000;
    const runs = new Map<
      string,
      { status: string; createdAt: string; finishedAt: string | null; nodes: { nodeId: string; status: string; effectAttempts?: number }[] }
    >();
    for (const s of started) {
      for (;;) {
        const res = await api(s.via, 'GET', `/v1/runs/${s.id}`).catch(() => undefined);
        const run = res?.json as unknown as { status: string; createdAt: string; finishedAt: string | null; nodes: [] } | undefined;
        if (run && ['completed', 'failed', 'cancelled', 'terminated', 'timed_out'].includes(run.status)) {
          runs.set(s.id, run);
          break;
        }
        if (Date.now() > deadline) throw new Error(`run ${s.id} (${s.kind}) still ${run?.status}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const elapsedS = (Date.now() - t0) / 1000;
    answering = false;
    await answers;

    // Exactly once: every run completed, each node row once and settled, events 1..n without gap or repeat.
    expect([...runs.values()].filter((r) => r.status !== 'completed').map((r) => r.status)).toEqual([]);
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const events = await db.query<{ run_id: string; seq: number; type: string }>(
      'select run_id, seq, type from run_events where run_id = any($1) order by run_id, seq',
      [started.map((s) => s.id)],
    );
    const rows = await db.query<{ run_id: string; node_id: string; item: number; status: string; effect_attempts: number }>(
      'select run_id, node_id, item, status, effect_attempts from node_executions where run_id = any($1)',
      [started.map((s) => s.id)],
    );
    await db.end();
    const byRun = new Map<string, { seq: number; type: string }[]>();
    for (const e of events.rows) byRun.set(e.run_id, [...(byRun.get(e.run_id) ?? []), e]);
    for (const s of started) {
      const list = byRun.get(s.id) ?? [];
      expect(
        list.map((e) => e.seq),
        s.id,
      ).toEqual(list.map((_, i) => i + 1));
      expect(
        list.filter((e) => e.type === 'run_completed'),
        s.id,
      ).toHaveLength(1);
      expect(
        list.filter((e) => e.type === 'run_started'),
        s.id,
      ).toHaveLength(1);
      const nodeRows = rows.rows.filter((r) => r.run_id === s.id);
      expect(new Set(nodeRows.map((r) => `${r.node_id}/${r.item}`)).size, s.id).toBe(nodeRows.length);
      expect(
        nodeRows.filter((r) => r.status !== 'completed' && r.status !== 'skipped'),
        s.id,
      ).toEqual([]);
    }
    // Every write reached the peer; a write repeated by a retry carried the same key, and its row counted it.
    const expectedWrites = started.reduce((n, s) => n + WRITES[s.kind], 0);
    const keys = new Map<string, number>();
    for (const e of effects) keys.set(e.key, (keys.get(e.key) ?? 0) + 1);
    expect(keys.size).toBe(expectedWrites);
    const repeated = [...keys.values()].filter((n) => n > 1).length;
    // Each key is one node (and item) of one run, and that row counted at least as many starts as the peer saw.
    const rowsByKey = new Map(rows.rows.map((r) => [idempotencyKeyOf(r.run_id, r.node_id, r.item === -1 ? undefined : r.item), r]));
    for (const [k, seen] of keys) {
      expect(rowsByKey.has(k), k).toBe(true);
      expect(rowsByKey.get(k)!.effect_attempts, k).toBeGreaterThanOrEqual(seen);
    }

    // No SSE stream missed an event: each saw the run's whole log, in order, once.
    for (const [runId, seen] of sse) {
      const log = (byRun.get(runId) ?? []).map((e) => e.seq);
      expect(await seen, runId).toEqual(log);
    }

    // Tier limits across gateways: a free user's sixth start in a minute is refused whichever gateway it reaches,
    // and its sixth live stream too.
    const freeUser = { email: 'free@loom.test', password: 'a-long-free-password', name: 'Free', tier: 'free' };
    expect((await api(0, 'POST', '/v1/admin/users', freeUser)).status).toBe(201);
    const free = (
      (await (
        await fetch(`${gateways[1]!.opsUrl}/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: freeUser.email, password: freeUser.password }),
        })
      ).json()) as { accessToken: string }
    ).accessToken;
    // Approval runs wait, so their streams stay open while the limit is tried.
    const freeFlow = (await api(0, 'POST', '/v1/workflows', documents.approval('free'), free)).json.id;
    const starts: { status: number; id: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await api(i % 2, 'POST', `/v1/workflows/${freeFlow}/runs`, {}, free);
      starts.push({ status: res.status, id: res.json.id });
    }
    expect(starts.map((s) => s.status)).toEqual([202, 202, 202, 202, 202, 429]);
    const hangUps = Array.from({ length: 6 }, () => new AbortController());
    const streamStatuses: number[] = [];
    for (const [i, c] of hangUps.entries()) {
      const res = await fetch(`${gateways[i % 2]!.opsUrl}/v1/runs/${starts[i % 5]!.id}/events`, {
        headers: { authorization: `Bearer ${free}`, accept: 'text/event-stream' },
        signal: c.signal,
      });
      streamStatuses.push(res.status);
    }
    for (const c of hangUps) c.abort();
    expect(streamStatuses).toEqual([200, 200, 200, 200, 200, 429]);

    // Nobody crashed: every process but the killed worker is alive, and none logged an unhandled error.
    for (const p of [...gateways, workers[1]!, workers[2]!]) {
      expect(p.child.exitCode ?? p.child.signalCode, p.name).toBeNull();
      expect(p.stderr(), p.name).not.toMatch(/unhandled|uncaught/i);
    }

    // One scrape of a worker shows Loom's families and the Temporal SDK's (task slots, polls, schedule latency).
    const scraped = await (await fetch(`${workers[1]!.opsUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(scraped).toMatch(/^loom_runs_finished_total\{[^}]*status="completed"[^}]*\} [1-9]/m);
    expect(scraped).toMatch(/^temporal_\w+/m);

    expect(serverErrors).toEqual([]);
    expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);

    const memoryAfter = await Promise.all(
      [...gateways, ...workers].map((p) =>
        p.child.exitCode === null && p.child.signalCode === null ? scrapeValue(p, 'loom_process_resident_memory_bytes', TOKEN) : 0,
      ),
    );
    const latencies = [...runs.values()]
      .map((r) => new Date(r.finishedAt!).getTime() - new Date(r.createdAt).getTime())
      .sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
    console.log(
      JSON.stringify({
        runs: RUNS,
        elapsedS: Math.round(elapsedS * 10) / 10,
        runsPerSecond: Math.round((RUNS / elapsedS) * 100) / 100,
        p50Ms: pct(0.5),
        p95Ms: pct(0.95),
        writes: expectedWrites,
        repeatedWrites: repeated,
        writesInFlightAtKill: inFlightAtKill,
        sseFollowed: sse.size,
        rssMbBefore: memoryBefore.map((b) => Math.round(b / 2 ** 20)),
        rssMbAfter: memoryAfter.map((b) => Math.round(b / 2 ** 20)),
        processes: [...gateways, ...workers].map((p) => p.name),
      }),
    );
  }, 420_000);

  it.skipIf(!SOAK_MINUTES)(
    `keeps every process's resident memory flat within 10 % over ${SOAK_MINUTES} minutes of steady runs`,
    async () => {
      const kinds = ['activity', 'pure', 'loop'] as const;
      const ids = await Promise.all(kinds.map(async (k) => (await api(0, 'POST', '/v1/workflows', documents[k](`soak ${k}`))).json.id));
      const live = [...gateways, ...workers].filter((p) => p.child.exitCode === null && p.child.signalCode === null);
      const samples: number[][] = live.map(() => []);
      const runIds: string[] = [];
      const end = Date.now() + SOAK_MINUTES * 60_000;
      let nextSample = 0;
      for (let i = 0; Date.now() < end; i++) {
        // One run every 600 ms (100 a minute, under the enterprise tier's 200), alternating gateways and kinds.
        const res = await api(i % 2, 'POST', `/v1/workflows/${ids[i % kinds.length]}/runs`, {});
        expect(res.status).toBe(202);
        runIds.push(res.json.id);
        if (Date.now() >= nextSample) {
          nextSample = Date.now() + 15_000;
          const rss = await Promise.all(live.map((p) => scrapeValue(p, 'loom_process_resident_memory_bytes', TOKEN)));
          rss.forEach((v, j) => samples[j]!.push(v));
        }
        await new Promise((r) => setTimeout(r, 600));
      }
      // Every run ends, completed.
      const db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      const deadline = Date.now() + 120_000;
      let open = runIds.length;
      while (open > 0 && Date.now() < deadline) {
        const r = await db.query<{ n: number }>("select count(*)::int as n from runs where id = any($1) and status <> 'completed'", [
          runIds,
        ]);
        open = r.rows[0]!.n;
        if (open > 0) await new Promise((r) => setTimeout(r, 1_000));
      }
      await db.end();
      expect(open).toBe(0);
      // Flat: the last third's mean within 10 % of the middle third's (the first third is warm-up: caches filling).
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const report = live.map((p, j) => {
        const s = samples[j]!;
        const third = Math.floor(s.length / 3);
        const middle = mean(s.slice(third, 2 * third));
        const last = mean(s.slice(2 * third));
        return { process: p.name, middleMb: Math.round(middle / 2 ** 20), lastMb: Math.round(last / 2 ** 20), growth: last / middle - 1 };
      });
      console.log(JSON.stringify({ soakMinutes: SOAK_MINUTES, runs: runIds.length, memory: report }));
      for (const r of report) expect(r.growth, r.process).toBeLessThanOrEqual(0.1);
    },
    SOAK_MINUTES * 60_000 + 300_000,
  );
});
