// A throwaway Temporal dev server for tests and benchmarks: in memory, headless, on a free port, its log in a
// temporary folder. The binary is the one the project builds (TEMPORAL_CLI_PATH, else located or built).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { locateTemporalCli } from '../../platform/temporal/cli-binary.js';
import type { SearchAttributeList } from '../../platform/temporal/connection.js';
import { startDevServer, type DevServer } from '../../platform/temporal/dev-server.js';
import type { DynamicConfig } from '../../platform/temporal/dynamic-config.js';
import { freePort } from './ports.js';

export interface EphemeralDevServer extends DevServer {
  /** The binary it runs (empty: the CLI @temporalio/testing downloads). */
  binary: string;
}

export async function startEphemeralDevServer(options: {
  searchAttributes: SearchAttributeList;
  /** Default: Loom's (platform/temporal/dynamic-config.ts). */
  dynamicConfig?: DynamicConfig;
  progress?: (message: string) => void;
}): Promise<EphemeralDevServer> {
  const binary = await locateTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, progress: options.progress ?? console.error });
  const server = await startDevServer({
    binary,
    ip: '127.0.0.1',
    port: await freePort(),
    uiPort: undefined,
    dbFilename: undefined,
    namespace: 'default',
    searchAttributes: options.searchAttributes,
    logFile: path.join(await mkdtemp(path.join(tmpdir(), 'loom-temporal-')), 'temporal.log'),
    ...(options.dynamicConfig ? { dynamicConfig: options.dynamicConfig } : {}),
  });
  return { ...server, binary: binary ?? '' };
}
