// Loom workers as separate processes (apps/worker/main.ts), for tests that kill one with SIGKILL mid-run: the
// Temporal server of the test project, the test's own task queue and database, and a master key shared with the
// test's client (payloads in history are encrypted under it).
import { spawn, type ChildProcess } from 'node:child_process';
import { inject } from 'vitest';

export interface WorkerProcesses {
  /** Starts one more worker on the queue. */
  start(): ChildProcess;
  /** Every worker started, killed or not. */
  readonly all: readonly ChildProcess[];
  /** SIGKILL to every worker still alive (afterAll). */
  killAll(): void;
}

export function workerProcesses(options: { taskQueue: string; databaseUrl: () => string; masterKey: Buffer }): WorkerProcesses {
  const children: ChildProcess[] = [];
  return {
    start() {
      const child = spawn(process.execPath, ['--import', 'tsx', 'apps/worker/main.ts'], {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          TEMPORAL_TASK_QUEUE: options.taskQueue,
          DATABASE_URL: options.databaseUrl(),
          LOOM_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
          LOOM_HTTP_ALLOWED_HOSTS: '127.0.0.1',
          LOG_LEVEL: 'error',
          LOOM_MASTER_KEY: options.masterKey.toString('base64'),
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      children.push(child);
      return child;
    },
    all: children,
    killAll() {
      for (const child of children) child.kill('SIGKILL');
    },
  };
}

/** SIGKILL, and wait until the process is gone. */
export async function killWorker(worker: ChildProcess): Promise<void> {
  worker.kill('SIGKILL');
  await new Promise((r) => worker.once('exit', r));
}
