// Once per test project: a real Temporal dev server (in memory, headless) and the workflow bundle.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureWorkflowBundle } from '../apps/worker/bundle.js';
import { locateTemporalCli } from '../platform/temporal/cli-binary.js';
import { startDevServer } from '../platform/temporal/dev-server.js';
import { LOOM_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { freePort } from './support/ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCliPath: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  const binary = await locateTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, progress: (m) => console.log(m) });
  const logDir = await mkdtemp(path.join(tmpdir(), 'loom-temporal-'));
  const server = await startDevServer({
    binary,
    ip: '127.0.0.1',
    port: await freePort(),
    uiPort: undefined,
    dbFilename: undefined,
    namespace: 'default',
    searchAttributes: LOOM_SEARCH_ATTRIBUTES,
    logFile: path.join(logDir, 'temporal.log'),
  });
  const bundle = await ensureWorkflowBundle(path.resolve('.data/cache'), (m) => console.log(m));
  project.provide('temporalAddress', server.address);
  project.provide('temporalCliPath', binary ?? '');
  project.provide('workflowBundlePath', bundle);
  return () => server.stop();
}
