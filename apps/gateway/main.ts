// Production entry of the gateway: serves the API against TEMPORAL_ADDRESS and DATABASE_URL; scales out freely.
import { databaseTarget, openDatabase } from '../../db/client.js';
import { logVectorSupport } from '../../db/knowledge-vectors.js';
import { createAiService } from '../../orchestrator/ai/service.js';
import { createNodeRegistry } from '../../nodes/registry.js';
import { loadConfig } from '../../platform/config.js';
import { filesystemFileStore } from '../../platform/file-store.js';
import { createLogger } from '../../platform/logger.js';
import { openRedis } from '../../platform/redis.js';
import { openKeyring } from '../../platform/keyring.js';
import { createPayloadCodec } from '../../platform/temporal/codec.js';
import { connectTemporal, ensureSearchAttributes } from '../../platform/temporal/connection.js';
import { ensureFirstAdmin } from '../../identity/first-admin.js';
import { authSettingsFrom } from './auth/settings.js';
import { buildGateway } from './server.js';
import { readiness } from '../../platform/health.js';
import { scrapeMetrics } from '../../platform/metrics.js';
import { startOpsServer } from '../../platform/ops-server.js';
import { LOOM_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

const config = loadConfig();
const log = createLogger({ level: config.logLevel, name: 'loom-gateway' });
if (!config.temporal.address) throw new Error('The standalone gateway needs TEMPORAL_ADDRESS (use `npm start` for the embedded stack)');

const keyring = await openKeyring(config);
const database = await openDatabase(databaseTarget(config));
logVectorSupport(database, log);
const temporal = await connectTemporal({
  address: config.temporal.address,
  security: config.temporal.security,
  namespace: config.temporal.namespace,
  codec: createPayloadCodec(keyring.keys.current, keyring.keys.previous),
});
await ensureSearchAttributes(temporal, LOOM_SEARCH_ATTRIBUTES, log);
// Production never invents a password: the first admin comes from LOOM_ADMIN_EMAIL / LOOM_ADMIN_PASSWORD.
const firstAdmin = await ensureFirstAdmin(database.db, config.bootstrapAdmin);
if (firstAdmin.created) log.info({ email: firstAdmin.email }, 'first administrator created');
const redis = config.redisUrl ? openRedis(config.redisUrl, log) : undefined;
const nodes = createNodeRegistry();
const app = await buildGateway(
  {
    database,
    temporal: {
      client: temporal.client,
      connection: temporal.connection,
      taskQueue: config.temporal.taskQueue,
      runHistoryEvents: config.temporal.runHistoryEvents,
      scheduleMinIntervalSeconds: config.temporal.scheduleMinIntervalSeconds,
    },
    nodes,
    secrets: keyring.secrets,
    links: keyring.links,
    auth: authSettingsFrom(keyring.keys.current),
    ai: createAiService(config.ai),
    files: {
      store: filesystemFileStore(config.files.dir),
      enterprise: { fileBytes: config.files.enterpriseFileBytes, storedBytes: config.files.enterpriseStoredBytes },
    },
  },
  {
    logger: log,
    corsOrigins: config.corsOrigins,
    redis,
    temporalUiOrigins: config.temporal.uiOrigins,
    // A port of its own wins; otherwise a token puts /metrics on the API port; neither: no metrics served.
    metricsToken: config.metrics.port ? undefined : config.metrics.token,
  },
);
await app.listen({ host: config.http.host, port: config.http.port });
const ops = config.metrics.port
  ? await startOpsServer({
      host: config.metrics.host,
      port: config.metrics.port,
      token: config.metrics.token,
      metrics: () => scrapeMetrics(app.metrics),
      ready: () =>
        readiness({
          database: () => database.ping(),
          temporal: () => temporal.connection.workflowService.getSystemInfo({}),
          ...(redis ? { redis: () => redis.ping() } : {}),
        }),
    })
  : undefined;
if (ops) log.info({ url: ops.url }, 'metrics and health listening');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    log.info({ signal }, 'shutting down');
    await app.close();
    await ops?.close();
    redis?.disconnect();
    await temporal.close();
    await database.close();
  });
}
