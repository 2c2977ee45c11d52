// What one step through Temporal costs on this machine, before any Loom code: a chain of no-op activities
// (regular and local) on a dev server with Temporal's default settings and on one with Loom's
// (platform/temporal/dynamic-config.ts). The ratio is the queue-reader limit the embedded server raises.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { ensureWorkflowBundle } from '../apps/worker/bundle.js';
import { createLogger } from '../platform/logger.js';
import { EMBEDDED_DYNAMIC_CONFIG, type DynamicConfig } from '../platform/temporal/dynamic-config.js';
import { installTemporalRuntime } from '../platform/temporal/runtime.js';
import { startEphemeralDevServer } from '../test/support/dev-server.js';
import { measure, type BenchSuite, type Measurement } from './harness.js';
import type { RawActivities } from './raw-workflows.js';

const STEPS = 20;

/** Temporal's defaults but eager dispatch, which Loom had before the queue limits were raised. */
const TEMPORAL_DEFAULTS: DynamicConfig = {
  'system.enableActivityEagerExecution': EMBEDDED_DYNAMIC_CONFIG['system.enableActivityEagerExecution']!,
};

async function chains(label: string, dynamicConfig: DynamicConfig, bundle: string): Promise<Measurement[]> {
  const dev = await startEphemeralDevServer({ searchAttributes: [], dynamicConfig });
  const connection = await NativeConnection.connect({ address: dev.address });
  const activities: RawActivities = { noop: async (v) => v + 1 };
  const worker = await Worker.create({ connection, taskQueue: 'raw', workflowBundle: { codePath: bundle }, activities });
  const running = worker.run();
  const clientConnection = await Connection.connect({ address: dev.address });
  const client = new Client({ connection: clientConnection });
  const chain = (local: boolean) => () =>
    client.workflow.execute('rawChain', { taskQueue: 'raw', workflowId: `raw-${crypto.randomUUID()}`, args: [{ steps: STEPS, local }] });
  try {
    return [
      await measure(`${label}: ${STEPS} activities`, chain(false), { iterations: 10, warmup: 2 }),
      await measure(`${label}: ${STEPS} local activities`, chain(true), { iterations: 10, warmup: 2 }),
    ];
  } finally {
    worker.shutdown();
    await running;
    await clientConnection.close();
    await connection.close();
    await dev.stop();
  }
}

export const suite: BenchSuite = {
  name: 'temporal',
  async run() {
    installTemporalRuntime(createLogger({ level: 'error' }));
    const entry = fileURLToPath(new URL('./raw-workflows.ts', import.meta.url));
    const bundle = await ensureWorkflowBundle(path.resolve('.data/cache'), (m) => console.error(m), entry);
    const [defaultRegular, defaultLocal] = await chains('Temporal defaults', TEMPORAL_DEFAULTS, bundle);
    const [loomRegular, loomLocal] = await chains("Loom's server settings", EMBEDDED_DYNAMIC_CONFIG, bundle);
    const perStep = (m: Measurement | undefined) => (m ? m.medianMs / STEPS : NaN);
    return {
      suite: 'temporal (dev server in memory, one worker, no Loom code)',
      measurements: [defaultRegular!, defaultLocal!, loomRegular!, loomLocal!],
      verdicts: [
        `per activity step: ${perStep(defaultRegular).toFixed(2)} ms with Temporal's defaults, ${perStep(loomRegular).toFixed(2)} ms with Loom's (${(perStep(defaultRegular) / perStep(loomRegular)).toFixed(2)}x)`,
        `per local activity step: ${perStep(defaultLocal).toFixed(2)} ms with Temporal's defaults, ${perStep(loomLocal).toFixed(2)} ms with Loom's`,
      ],
    };
  },
};
