// Knowledge-base workflows. `loomIngest` (id `ingest-<sourceId>`) ingests one source: count its chunks, then embed and
// store them a batch per activity (a failed batch is retried by Temporal's retry policy; rows are idempotent, so a
// worker killed mid-batch costs only that batch), then record the outcome. Progress is the source row itself
// (chunks / totalChunks, updated by every batch), which GET .../sources/:id shows. Cancelling the workflow records
// the source as cancelled. A long source continues as new every MAX_BATCHES_PER_EXECUTION batches, so history
// stays bounded. `loomEmbedQuery` embeds a search query with a remote provider: the credential opens in the worker.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  ContinueAsNew,
  isCancellation,
  proxyActivities,
} from '@temporalio/workflow';
import type { LoomActivities } from '../activities/index.js';
import type { IngestError } from '../activities/knowledge.js';

const bookkeeping = proxyActivities<LoomActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});
// The batch heartbeats: a worker killed mid-batch is noticed in seconds, not at the end of the batch's timeout.
const batches = proxyActivities<LoomActivities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8 },
});
const queries = proxyActivities<LoomActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 3 },
});

export const INGEST_BATCH = 64;
const MAX_BATCHES_PER_EXECUTION = 500;

export interface IngestInput {
  sourceId: string;
  /** Set when continuing as new: the first chunk not yet done. */
  from?: number;
  batchSize?: number;
}

export interface IngestResult {
  status: 'ready' | 'failed' | 'gone';
  chunks?: number;
  error?: IngestError;
}

function ingestError(err: unknown): IngestError {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const info = cause.details?.[0] as IngestError | undefined;
    if (info?.code) return info;
    return { code: 'INGEST_INTERNAL', message: cause.message };
  }
  return { code: 'INGEST_INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

export async function loomIngest(input: IngestInput): Promise<IngestResult> {
  const { sourceId } = input;
  const size = input.batchSize ?? INGEST_BATCH;
  try {
    const prepared = await bookkeeping.prepareIngest({ sourceId });
    if (prepared.gone) return { status: 'gone' };
    let done = 0;
    for (let from = input.from ?? 0; from < prepared.total; from += size) {
      if (done++ === MAX_BATCHES_PER_EXECUTION) await continueAsNew<typeof loomIngest>({ ...input, from });
      const batch = await batches.ingestBatch({ sourceId, from, count: size });
      if (batch.gone) return { status: 'gone' };
    }
    await bookkeeping.finishIngest({ sourceId, status: 'ready' });
    return { status: 'ready', chunks: prepared.total };
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => bookkeeping.finishIngest({ sourceId, status: 'cancelled' }));
      throw err;
    }
    const error = ingestError(err);
    await bookkeeping.finishIngest({ sourceId, status: 'failed', error });
    return { status: 'failed', error };
  }
}

export async function loomEmbedQuery(args: { kbId: string; ownerId: string; text: string }): Promise<number[]> {
  return queries.embedQuery(args);
}
