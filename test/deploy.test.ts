// The container image and the compose file, checked without a container engine: the services the production shape
// needs, every image pinned to a version, Temporal set up by admin-tools (not the deprecated auto-setup), the
// master key only as a secret from the environment, and every variable given to Loom one that platform/config.ts reads.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { EnvSchema } from '../platform/config.js';

const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');

const ServiceSchema = z.looseObject({
  image: z.string().optional(),
  build: z.unknown().optional(),
  command: z.unknown().optional(),
  entrypoint: z.unknown().optional(),
  environment: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  secrets: z.array(z.string()).optional(),
  restart: z.string().optional(),
  volumes: z.array(z.string()).optional(),
  depends_on: z
    .record(z.string(), z.object({ condition: z.string() }))
    .or(z.array(z.string()))
    .optional(),
});
const compose = z
  .object({
    services: z.record(z.string(), ServiceSchema),
    secrets: z.record(z.string(), z.looseObject({ environment: z.string().optional(), file: z.string().optional() })),
  })
  .parse(parse(read('docker-compose.yml'), { merge: true }));
const services = compose.services;
const service = (name: string) => {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};
const LOOM = ['gateway', 'worker'];
/** `name:tag` with a version in the tag (a digit), never `latest` or a bare name. */
const pinned = (image: string) => /^[\w./-]+:(?!latest$)[\w.-]*\d[\w.-]*(@sha256:[a-f0-9]{64})?$/.test(image);

describe('docker-compose.yml', () => {
  it('runs the production shape: PostgreSQL with pgvector, Redis, Temporal with its schema tool and UI, gateway and worker', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['gateway', 'postgres', 'redis', 'temporal', 'temporal-namespace', 'temporal-schema', 'temporal-ui', 'worker'].sort(),
    );
    expect(service('postgres').image).toMatch(/^pgvector\/pgvector:/);
    expect(service('temporal').image).toMatch(/^temporalio\/server:/);
    expect(service('temporal-schema').image).toMatch(/^temporalio\/admin-tools:/);
    expect(JSON.stringify(service('temporal-schema').command)).toMatch(/temporal-sql-tool[^"]*setup-schema/);
    expect(JSON.stringify(service('temporal-schema').command)).toContain('visibility/versioned');
    expect(service('temporal').depends_on).toMatchObject({ 'temporal-schema': { condition: 'service_completed_successfully' } });
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:/);
    expect(JSON.stringify(services)).not.toContain('auto-setup');
  });

  it('restarts every long-running service that stops (a worker exits when Temporal stays away past its retries); one-shot set-up jobs run once', () => {
    const oneShot = Object.entries(services)
      .filter(([, s]) => s.restart === undefined)
      .map(([name]) => name)
      .sort();
    expect(oneShot).toEqual(['temporal-namespace', 'temporal-schema']);
    for (const [name, s] of Object.entries(services)) if (s.restart) expect(s.restart, name).toBe('unless-stopped');
  });

  it('pins every image to a version; Loom runs its own image, built from the Dockerfile, never the host’s node_modules', () => {
    const built = new Set(Object.values(services).flatMap((s) => (s.build && s.image ? [s.image] : [])));
    for (const [name, s] of Object.entries(services)) {
      if (s.image && built.has(s.image)) continue;
      expect(s.image, name).toBeDefined();
      expect(pinned(s.image!), `${name}: ${s.image}`).toBe(true);
    }
    for (const name of LOOM) {
      expect(built.has(service(name).image ?? ''), name).toBe(true);
      expect(service(name).volumes ?? []).not.toContainEqual(expect.stringMatching(/^\.:|node_modules/));
    }
  });

  it('gives gateway and worker only variables platform/config.ts reads', () => {
    const known = new Set(Object.keys(EnvSchema.shape));
    for (const name of LOOM) {
      const unknown = Object.keys(service(name).environment ?? {}).filter((k) => !known.has(k));
      expect(unknown, name).toEqual([]);
    }
    expect(service('worker').environment).toMatchObject({ DATABASE_URL: expect.any(String), TEMPORAL_ADDRESS: 'temporal:7233' });
    expect(service('worker').environment?.LOOM_METRICS_PORT).toBeDefined();
  });

  it('delivers the master key as a secret from the environment, never as a value or on a shared volume', () => {
    expect(compose.secrets.loom_master_key).toEqual({ environment: 'LOOM_MASTER_KEY' });
    for (const name of LOOM) {
      const env = service(name).environment ?? {};
      expect(env.LOOM_MASTER_KEY, name).toBeUndefined();
      expect(env.LOOM_MASTER_KEY_FILE, name).toBe('/run/secrets/loom_master_key');
      expect(service(name).secrets, name).toEqual(['loom_master_key']);
      expect(JSON.stringify(service(name).volumes ?? []), name).not.toMatch(/key/i);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)].map((m) => ({ image: m[1]!, stage: m[2] }));
  const stages = new Set(froms.flatMap((f) => (f.stage ? [f.stage] : [])));

  it('builds in stages from pinned bases: npm ci from the lockfile, native modules compiled there, not in the runtime', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) if (!stages.has(f.image)) expect(pinned(f.image), f.image).toBe(true);
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toMatch(/COPY package\.json package-lock\.json/);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).not.toMatch(/g\+\+|build-essential/);
  });

  it('runs as a non-root user under tini, with a health check, the workflow bundle prebuilt', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER (?!root\b)\S+/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(runtime).toMatch(/LOOM_WORKFLOW_BUNDLE=/);
    for (const key of runtime.matchAll(/^\s+(LOOM_[A-Z_]+|HOST|PORT)=/gm)) expect(Object.keys(EnvSchema.shape)).toContain(key[1]);
  });

  it('copies every top-level source folder the services import', () => {
    for (const folder of ['activities', 'apps', 'compiler', 'db', 'identity', 'nodes', 'orchestrator', 'platform', 'workflows']) {
      expect(existsSync(new URL(`../${folder}`, import.meta.url)), folder).toBe(true);
      expect(dockerfile, folder).toContain(`COPY --chown=root:root ${folder} ./${folder}`);
    }
  });
});
