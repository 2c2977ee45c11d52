// `loom dev`'s stack: Temporal (embedded or remote), the database, the worker and the gateway in one process.
// Each part is stopped in reverse order on shutdown, so a restart finds every run where it was left.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createCredentialVault } from '../../activities/credential-vault.js';
import { databaseTarget, openDatabase, type DatabaseHandle } from '../../db/client.js';
import { logVectorSupport } from '../../db/knowledge-vectors.js';
import { createNodeRegistry } from '../../nodes/registry.js';
import type { LoomConfig } from '../../platform/config.js';
import { filesystemFileStore } from '../../platform/file-store.js';
import type { Logger } from '../../platform/logger.js';
import { openRedis } from '../../platform/redis.js';
import { ensureFirstAdmin, type FirstAdmin } from '../../identity/first-admin.js';
import { createAiService } from '../../orchestrator/ai/service.js';
import { authSettingsFrom } from '../gateway/auth/settings.js';
import { openKeyring } from '../../platform/keyring.js';
import { locateTemporalCli } from '../../platform/temporal/cli-binary.js';
import { createPayloadCodec } from '../../platform/temporal/codec.js';
import { connectTemporal, ensureSearchAttributes, type TemporalHandle } from '../../platform/temporal/connection.js';
import { startDevServer, type DevServer } from '../../platform/temporal/dev-server.js';
import { installTemporalRuntime } from '../../platform/temporal/runtime.js';
import { buildGateway } from '../gateway/server.js';
import { ensureWorkflowBundle } from '../worker/bundle.js';
import { startLoomWorker, type LoomWorker } from '../worker/worker.js';
import { LOOM_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

export interface Stack {
  apiUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  dataDir: string;
  database: string;
  /** Set when this start created the first admin. */
  firstAdmin: FirstAdmin;
  stop(): Promise<void>;
}

export async function startStack(config: LoomConfig, log: Logger): Promise<Stack> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      await stop().catch((err: unknown) => log.error({ err }, 'error while stopping'));
    }
  };
  try {
    await mkdir(config.dataDir, { recursive: true });
    installTemporalRuntime(log);

    let server: DevServer | undefined;
    let address = config.temporal.address;
    if (!address) {
      const binary = await locateTemporalCli({ explicitPath: config.temporal.cliPath, progress: (m) => log.info(m) });
      server = await startDevServer({
        binary,
        ip: '127.0.0.1',
        port: config.temporal.devServerPort,
        uiPort: config.temporal.devServerUiPort,
        dbFilename: path.join(config.dataDir, 'temporal.db'),
        namespace: config.temporal.namespace,
        searchAttributes: LOOM_SEARCH_ATTRIBUTES,
        logFile: path.join(config.dataDir, 'temporal.log'),
      });
      stops.push(() => server!.stop());
      address = server.address;
    }

    const database: DatabaseHandle = await openDatabase(databaseTarget(config));
    logVectorSupport(database, log);
    stops.push(() => database.close());
    const firstAdmin = await ensureFirstAdmin(database.db, { ...config.bootstrapAdmin, dataDir: config.dataDir });

    const { keys, secrets, links } = await openKeyring(config);
    const payloadCodec = createPayloadCodec(keys.current, keys.previous);
    const temporal: TemporalHandle = await connectTemporal({ address, namespace: config.temporal.namespace, codec: payloadCodec });
    stops.push(() => temporal.close());
    await ensureSearchAttributes(temporal, LOOM_SEARCH_ATTRIBUTES, log);

    const nodes = createNodeRegistry();
    const bundle = config.workflowBundlePath ?? (await ensureWorkflowBundle(path.join(config.dataDir, 'cache'), (m) => log.info(m)));
    const worker: LoomWorker = await startLoomWorker({
      address,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      workflowBundlePath: bundle,
      payloadCodec,
      db: database.db,
      vector: database.vector,
      nodes,
      httpPolicy: { allowedHosts: config.httpAllowedHosts },
      warmPython: true,
      notify: { ...config.notify, links },
      email: config.email,
      vault: createCredentialVault(database.db, secrets, nodes),
      files: {
        store: filesystemFileStore(config.files.dir),
        enterprise: { fileBytes: config.files.enterpriseFileBytes, storedBytes: config.files.enterpriseStoredBytes },
      },
      log: log.child({ component: 'worker' }),
    });
    stops.push(() => worker.shutdown());
    worker.running.catch((err: unknown) => log.fatal({ err }, 'worker crashed'));

    const redis = config.redisUrl ? openRedis(config.redisUrl, log) : undefined;
    if (redis) stops.push(async () => void redis.disconnect());
    const gateway = await buildGateway(
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
        secrets,
        links,
        auth: authSettingsFrom(keys.current),
        ai: createAiService(config.ai),
        files: {
          store: filesystemFileStore(config.files.dir),
          enterprise: { fileBytes: config.files.enterpriseFileBytes, storedBytes: config.files.enterpriseStoredBytes },
        },
      },
      { logger: log.child({ component: 'gateway' }), corsOrigins: config.corsOrigins, redis, temporalUiOrigins: config.temporal.uiOrigins },
    );
    await gateway.listen({ host: config.http.host, port: config.http.port });
    stops.push(() => gateway.close());
    const bound = gateway.server.address();
    const port = typeof bound === 'object' && bound ? bound.port : config.http.port;

    return {
      apiUrl: `http://${config.http.host}:${port}`,
      temporalAddress: address,
      temporalUiUrl: server?.uiUrl,
      dataDir: config.dataDir,
      database: database.location,
      firstAdmin,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
