// Production entry of the worker: polls TEMPORAL_TASK_QUEUE on TEMPORAL_ADDRESS; run as many as the load needs.
import path from 'node:path';
import { createCredentialVault } from '../../activities/credential-vault.js';
import { databaseTarget, openDatabase } from '../../db/client.js';
import { createNodeRegistry } from '../../nodes/registry.js';
import { loadConfig } from '../../platform/config.js';
import { createLogger } from '../../platform/logger.js';
import { filesystemFileStore } from '../../platform/file-store.js';
import { openKeyring } from '../../platform/keyring.js';
import { createPayloadCodec } from '../../platform/temporal/codec.js';
import { connectTemporal, ensureSearchAttributes } from '../../platform/temporal/connection.js';
import { LOOM_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { installTemporalRuntime } from '../../platform/temporal/runtime.js';
import { readiness } from '../../platform/health.js';
import { scrapeMetrics } from '../../platform/metrics.js';
import { startOpsServer } from '../../platform/ops-server.js';
import { ensureWorkflowBundle } from './bundle.js';
import { startLoomWorker } from './worker.js';

const config = loadConfig();
const log = createLogger({ level: config.logLevel, name: 'loom-worker' });
if (!config.temporal.address) throw new Error('The standalone worker needs TEMPORAL_ADDRESS (use `npm start` for the embedded stack)');
if (!config.databaseUrl) log.warn('DATABASE_URL is unset: this worker uses its own PGlite, which no other process can share');

installTemporalRuntime(log, { prometheusBindAddress: config.metrics.temporalAddress });
const keyring = await openKeyring(config);
// Every worker registers Loom's search attributes (a no-op once there), so a fresh cluster needs no manual step.
const admin = await connectTemporal({
  address: config.temporal.address,
  security: config.temporal.security,
  namespace: config.temporal.namespace,
  codec: createPayloadCodec(keyring.keys.current, keyring.keys.previous),
});
await ensureSearchAttributes(admin, LOOM_SEARCH_ATTRIBUTES, log).finally(() => admin.close());
const database = await openDatabase(databaseTarget(config));
const nodes = createNodeRegistry();
const bundle = config.workflowBundlePath ?? (await ensureWorkflowBundle(path.join(config.dataDir, 'cache'), (m) => log.info(m)));
const worker = await startLoomWorker({
  address: config.temporal.address,
  security: config.temporal.security,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  workflowBundlePath: bundle,
  payloadCodec: createPayloadCodec(keyring.keys.current, keyring.keys.previous),
  db: database.db,
  vector: database.vector,
  nodes,
  httpPolicy: { allowedHosts: config.httpAllowedHosts },
  warmPython: true,
  notify: { ...config.notify, links: keyring.links },
  email: config.email,
  vault: createCredentialVault(database.db, keyring.secrets, nodes),
  files: {
    store: filesystemFileStore(config.files.dir),
    enterprise: { fileBytes: config.files.enterpriseFileBytes, storedBytes: config.files.enterpriseStoredBytes },
  },
  log,
});
log.info({ taskQueue: config.temporal.taskQueue }, 'worker polling');
const ops = config.metrics.port
  ? await startOpsServer({
      host: config.metrics.host,
      port: config.metrics.port,
      token: config.metrics.token,
      metrics: () => scrapeMetrics(worker.metrics, config.metrics.temporalAddress),
      ready: () =>
        readiness({
          database: () => database.ping(),
          temporal: () => worker.connection.healthService.check({}),
          worker: async () => {
            if (worker.worker.getState() !== 'RUNNING') throw new Error(`worker ${worker.worker.getState().toLowerCase()}`);
          },
        }),
    })
  : undefined;
if (ops) log.info({ url: ops.url }, 'metrics and health listening');
// The SDK shuts the worker down on SIGINT/SIGTERM by itself; close the database after it stopped. It fails the
// worker when Temporal stays unreachable past its retries: say so and exit non-zero, for the supervisor to restart it.
await worker.running.catch((err: unknown) => {
  log.fatal({ err }, 'worker failed; exiting');
  process.exitCode = 1;
});
await ops?.close();
await database.close();
