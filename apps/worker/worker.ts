// Builds the Temporal worker that runs Loom's workflows and activities on one task queue.
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createFileAccess, type FileAccessDeps } from '../../activities/file-access.js';
import { createActivities } from '../../activities/index.js';
import { createKnowledgeAccess } from '../../activities/knowledge.js';
import type { VectorSupport } from '../../db/client.js';
import type { CredentialVault } from '../../activities/node-context.js';
import type { Database } from '../../db/client.js';
import { shutdownPythonSandbox, warmPythonSandbox } from '../../nodes/sandbox/python.js';
import { createHttpClientFactory } from '../../nodes/http/client.js';
import type { HttpPolicy } from '../../nodes/http/ssrf-guard.js';
import type { NodeRegistry } from '../../nodes/registry.js';
import type { NotifySettings } from '../../activities/human-requests.js';
import type { Logger } from '../../platform/logger.js';
import type { TemporalSecurity } from '../../platform/config.js';
import { connectionSecurity } from '../../platform/temporal/connection.js';
import { FAILURE_CONVERTER_PATH } from '../../platform/temporal/failure-converter-path.js';
import { countOutboxBacklog } from '../../db/outbox-store.js';
import { countOpenRequests } from '../../db/request-store.js';
import { createMetrics, type LoomMetrics } from '../../platform/metrics.js';
import { startOutboxDispatcher, type EmailSettings } from './outbox.js';

export interface LoomWorkerOptions {
  db: Database;
  nodes: NodeRegistry;
  log: Logger;
  httpPolicy: HttpPolicy;
  vault?: CredentialVault;
  /** Start the Python sandbox at once (worker processes); tests leave it to the first call. */
  warmPython?: boolean;
  notify?: NotifySettings;
  email?: EmailSettings | undefined;
  address: string;
  /** TLS and an API key for a secured cluster (TEMPORAL_TLS_*, TEMPORAL_API_KEY). */
  security?: TemporalSecurity | undefined;
  namespace: string;
  taskQueue: string;
  workflowBundlePath: string;
  /** Encrypts what the worker writes to history and decrypts what it reads (platform/temporal/codec.ts). */
  payloadCodec: PayloadCodec;
  /** The file store the gateway uploads into: files.read and files.write reach the owner's files through it. */
  files?: Omit<FileAccessDeps, 'db'> | undefined;
  /** pgvector as the database has it (DatabaseHandle.vector): knowledge.search uses its HNSW indexes, else exact search. */
  vector?: VectorSupport | false;
  /** The process's metrics; unset: the worker keeps its own (LoomWorker.metrics). */
  metrics?: LoomMetrics | undefined;
}

export interface LoomWorker {
  worker: Worker;
  /** Node attempts, run outcomes, outbox failures; open requests and the outbox backlog read when scraped. */
  metrics: LoomMetrics;
  /** The worker's connection to Temporal (its readiness probe asks the server's health service through it). */
  connection: NativeConnection;
  /** Resolves when the worker has stopped (after shutdown()), rejects if it crashed. */
  running: Promise<void>;
  shutdown(): Promise<void>;
}

export async function startLoomWorker(options: LoomWorkerOptions): Promise<LoomWorker> {
  const connection = await NativeConnection.connect({ address: options.address, ...connectionSecurity(options.security) });
  const http = createHttpClientFactory(options.httpPolicy);
  const files = options.files ? createFileAccess({ db: options.db, ...options.files }) : undefined;
  const metrics =
    options.metrics ??
    createMetrics('worker', {
      openHumanRequests: () => countOpenRequests(options.db),
      outboxBacklog: () => countOutboxBacklog(options.db),
    });
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: { codePath: options.workflowBundlePath },
    // The bundle carries the same failure converter (bundle.ts): messages and stacks are encrypted both ways.
    dataConverter: { payloadCodecs: [options.payloadCodec], failureConverterPath: FAILURE_CONVERTER_PATH },
    activities: createActivities({
      db: options.db,
      nodes: options.nodes,
      log: options.log,
      metrics,
      http,
      vault: options.vault,
      notify: options.notify,
      files,
      knowledge: createKnowledgeAccess({ db: options.db, http, vault: options.vault, vector: options.vector ?? false }),
      // A knowledge base's file source reads the file as files.read does.
      ...(files
        ? { readFileText: async (ownerId: string, fileId: string) => (await files(async () => ownerId).read(fileId)).content }
        : {}),
    }),
    // Activities get this long to finish after shutdown starts; node cancellation is cooperative.
    shutdownGraceTime: '10 seconds',
    // Heartbeats carry stop requests: send them often enough that a stop reaches a node within seconds.
    maxHeartbeatThrottleInterval: '2 seconds',
  });
  // Load the Python interpreter in the background, so the first code.python node does not pay ~3 s.
  if (options.warmPython) void warmPythonSandbox().catch((err: unknown) => options.log.warn({ err }, 'Python sandbox failed to start'));
  const outbox = startOutboxDispatcher({ db: options.db, log: options.log, email: options.email, metrics });
  const running = worker.run().finally(async () => {
    await outbox.stop();
    await shutdownPythonSandbox();
    await http.close();
    await connection.close();
  });
  return {
    worker,
    metrics,
    connection,
    running,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}
