// Production entry of the gateway: serves the API against TEMPORAL_ADDRESS and DATABASE_URL; scales out freely.
import { openDatabase } from '../../db/client.js';
import { createNodeRegistry } from '../../nodes/registry.js';
import { loadConfig } from '../../platform/config.js';
import { createLogger } from '../../platform/logger.js';
import { createLinkSigner } from '../../platform/answer-links.js';
import { createSecretBox, loadMasterKey } from '../../platform/secrets.js';
import { connectTemporal, ensureSearchAttributes } from '../../platform/temporal/connection.js';
import { buildGateway } from './server.js';

const config = loadConfig();
const log = createLogger({ level: config.logLevel, name: 'loom-gateway' });
if (!config.temporal.address) throw new Error('The standalone gateway needs TEMPORAL_ADDRESS (use `npm start` for the embedded stack)');

const masterKey = await loadMasterKey({ fromEnv: config.masterKey, dataDir: config.dataDir });
const database = await openDatabase(config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dataDir: `${config.dataDir}/pglite` });
const temporal = await connectTemporal({ address: config.temporal.address, namespace: config.temporal.namespace });
await ensureSearchAttributes(temporal, log);
const app = await buildGateway({ database, temporal: { client: temporal.client, connection: temporal.connection, taskQueue: config.temporal.taskQueue }, nodes: createNodeRegistry(), secrets: createSecretBox(masterKey), links: createLinkSigner(masterKey) }, { logger: log });
await app.listen({ host: config.http.host, port: config.http.port });

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    log.info({ signal }, 'shutting down');
    await app.close();
    await temporal.close();
    await database.close();
  });
}
