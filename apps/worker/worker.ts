// Builds the Temporal worker that runs Loom's workflows and activities on one task queue.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities/index.js';

export interface LoomWorkerOptions extends ActivityDeps {
  address: string;
  namespace: string;
  taskQueue: string;
  workflowBundlePath: string;
}

export interface LoomWorker {
  worker: Worker;
  /** Resolves when the worker has stopped (after shutdown()), rejects if it crashed. */
  running: Promise<void>;
  shutdown(): Promise<void>;
}

export async function startLoomWorker(options: LoomWorkerOptions): Promise<LoomWorker> {
  const connection = await NativeConnection.connect({ address: options.address });
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: { codePath: options.workflowBundlePath },
    activities: createActivities(options),
    // Activities get this long to finish after shutdown starts; node cancellation is cooperative.
    shutdownGraceTime: '10 seconds',
  });
  const running = worker.run().finally(() => connection.close());
  return {
    worker,
    running,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}
