// Once per test project: a real Temporal dev server (in memory, headless) and the workflow bundle.
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureWorkflowBundle } from '../apps/worker/bundle.js';
import { LOOM_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { startEphemeralDevServer } from './support/dev-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCliPath: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await startEphemeralDevServer({ searchAttributes: LOOM_SEARCH_ATTRIBUTES, progress: (m) => console.log(m) });
  const bundle = await ensureWorkflowBundle(path.resolve('.data/cache'), (m) => console.log(m));
  project.provide('temporalAddress', server.address);
  project.provide('temporalCliPath', server.binary);
  project.provide('workflowBundlePath', bundle);
  return () => server.stop();
}
