// The real stack for one test file: its own database, a worker on its own task queue against the shared
// Temporal dev server, and the gateway reached through fastify.inject (real routing, validation, serialisation).
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { buildGateway } from '../../apps/gateway/server.js';
import { startLoomWorker, type LoomWorker } from '../../apps/worker/worker.js';
import type { DatabaseHandle } from '../../db/client.js';
import { createNodeRegistry, type NodeRegistry } from '../../nodes/registry.js';
import { createLogger, type Logger } from '../../platform/logger.js';
import { createPayloadCodec, type LoomPayloadCodec } from '../../platform/temporal/codec.js';
import { connectTemporal, type TemporalHandle } from '../../platform/temporal/connection.js';
import { installTemporalRuntime } from '../../platform/temporal/runtime.js';
import { createCredentialVault } from '../../activities/credential-vault.js';
import type { NotifySettings } from '../../activities/human-requests.js';
import type { EmailSettings } from '../../apps/worker/outbox.js';
import { createLinkSigner, type LinkSigner } from '../../platform/answer-links.js';
import { createSecretBox, type SecretBox } from '../../platform/secrets.js';
import { filesystemFileStore, type FileStore } from '../../platform/file-store.js';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { authSettingsFrom } from '../../apps/gateway/auth/settings.js';
import type { GatewayOptions } from '../../apps/gateway/server.js';
import type { AiService } from '../../orchestrator/ai/service.js';
import { openTestDatabase } from './database.js';
import { apiAs, createTestUser, type Api, type TestUser } from './users.js';

export interface TestStack {
  app: FastifyInstance;
  database: DatabaseHandle;
  temporal: TemporalHandle;
  worker: LoomWorker;
  taskQueue: string;
  log: Logger;
  secrets: SecretBox;
  links: LinkSigner;
  masterKey: Buffer;
  /** Encrypts this stack's payloads in Temporal history; decode a fetched history with it (support/history.ts). */
  codec: LoomPayloadCodec;
  /** Uploaded files: the FileStore's folder (removed on close) and the store. */
  files: { dir: string; store: FileStore };
  /** The file's main user (tier enterprise, so limits stay out of the way), and the API as that user. */
  user: TestUser;
  api: Api;
  createUser(options?: Parameters<typeof createTestUser>[2]): Promise<TestUser>;
  as(user: TestUser | undefined): Api;
  close(): Promise<void>;
}

export async function startTestStack(
  options: {
    nodes?: NodeRegistry;
    notify?: NotifySettings;
    email?: EmailSettings;
    gateway?: Partial<GatewayOptions>;
    /** The AI service (tests point it at a scripted model peer); it reads each caller's node types per request. */
    ai?: AiService;
    log?: Logger;
    /** The gateway's LOOM_SCHEDULE_MIN_INTERVAL_SECONDS (tests use second-long schedules). */
    scheduleMinIntervalSeconds?: number;
    /** LOOM_ENTERPRISE_FILE_BYTES and LOOM_ENTERPRISE_STORED_BYTES (tests use small ones). */
    enterpriseFiles?: { fileBytes?: number; storedBytes?: number };
  } = {},
): Promise<TestStack> {
  const log = options.log ?? createLogger({ level: process.env.LOG_LEVEL ?? 'silent' });
  installTemporalRuntime(log);
  const address = inject('temporalAddress');
  const taskQueue = `test-${randomUUID()}`;
  const nodes = options.nodes ?? createNodeRegistry();
  const database = await openTestDatabase();
  const masterKey = randomBytes(32);
  const secrets = createSecretBox(masterKey);
  const links = createLinkSigner(masterKey);
  const codec = createPayloadCodec(masterKey);
  const temporal = await connectTemporal({ address, namespace: 'default', codec });
  const filesDir = await mkdtemp(path.join(tmpdir(), 'loom-test-files-'));
  const files = { dir: filesDir, store: filesystemFileStore(filesDir) };
  const worker = await startLoomWorker({
    address,
    namespace: 'default',
    taskQueue,
    workflowBundlePath: inject('workflowBundlePath'),
    payloadCodec: codec,
    db: database.db,
    vector: database.vector,
    nodes,
    // Tests call local peers on loopback; everything else stays behind the SSRF guard.
    httpPolicy: { allowedHosts: ['127.0.0.1'] },
    vault: createCredentialVault(database.db, secrets, nodes),
    files: { store: files.store, ...(options.enterpriseFiles ? { enterprise: options.enterpriseFiles } : {}) },
    ...(options.notify ? { notify: { ...options.notify, links } } : {}),
    ...(options.email ? { email: options.email } : {}),
    log,
  });
  const app = await buildGateway(
    {
      database,
      temporal: {
        client: temporal.client,
        connection: temporal.connection,
        taskQueue,
        ...(options.scheduleMinIntervalSeconds ? { scheduleMinIntervalSeconds: options.scheduleMinIntervalSeconds } : {}),
      },
      nodes,
      secrets,
      links,
      auth: authSettingsFrom(masterKey),
      ...(options.ai ? { ai: options.ai } : {}),
      files: { store: files.store, enterprise: options.enterpriseFiles },
    },
    { logger: log, ...options.gateway },
  );
  const user = await createTestUser(app, database.db, { name: 'owner' });
  return {
    app,
    database,
    temporal,
    worker,
    taskQueue,
    log,
    secrets,
    links,
    masterKey,
    codec,
    files,
    user,
    api: apiAs(app, user),
    createUser: (o) => createTestUser(app, database.db, o),
    as: (u) => apiAs(app, u),
    async close() {
      await app.close();
      await worker.shutdown();
      await temporal.close();
      await database.close();
      await rm(filesDir, { recursive: true, force: true });
    },
  };
}
