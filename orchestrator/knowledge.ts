// Knowledge bases as the API drives them: adding a source starts its ingestion workflow `ingest-<sourceId>`,
// cancelling cancels it, and a search embeds the query (the offline embedder right here; a remote provider in the
// worker, through `loomEmbedQuery`, because the gateway never opens credentials) and runs the hybrid search.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import type { DatabaseHandle } from '../db/client.js';
import { insertSource, updateSource } from '../db/knowledge-store.js';
import { searchChunks, type SearchHit } from '../db/knowledge-search.js';
import type { KbSourceRow, KnowledgeBaseRow } from '../db/schema.js';
import { embedOffline } from '../nodes/embeddings/offline.js';
import { KnowledgeError, KnowledgeErrorCodeSchema } from '../nodes/knowledge/errors.js';
import type { loomEmbedQuery, loomIngest } from '../workflows/knowledge.js';

export interface KnowledgeDeps {
  database: DatabaseHandle;
  client: Client;
  taskQueue: string;
}

/** Records the source and starts its ingestion; a source whose workflow could not start is marked failed. */
export async function addSource(
  deps: KnowledgeDeps,
  kb: KnowledgeBaseRow,
  source: { title: string } & ({ kind: 'text'; text: string } | { kind: 'file'; fileId: string }),
): Promise<KbSourceRow> {
  const row = await insertSource(deps.database.db, { ...source, kbId: kb.id, ownerId: kb.ownerId });
  try {
    await deps.client.workflow.start<typeof loomIngest>('loomIngest', {
      workflowId: row.temporalWorkflowId!,
      taskQueue: deps.taskQueue,
      args: [{ sourceId: row.id }],
    });
  } catch (err) {
    await updateSource(deps.database.db, row.id, {
      status: 'failed',
      error: { code: 'INGEST_INTERNAL', message: 'The ingestion could not start' },
    });
    throw err;
  }
  return row;
}

/** Asks the ingestion to stop; false when its workflow has already closed. The workflow records `cancelled`. */
export async function cancelIngestion(deps: KnowledgeDeps, workflowId: string): Promise<boolean> {
  try {
    await deps.client.workflow.getHandle(workflowId).cancel();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** The query's vector by the knowledge base's own embedder. */
async function queryVector(deps: KnowledgeDeps, kb: KnowledgeBaseRow, text: string): Promise<number[]> {
  if (kb.embeddingProvider === 'offline') return embedOffline(text, kb.dimensions);
  try {
    return await deps.client.workflow.execute<typeof loomEmbedQuery>('loomEmbedQuery', {
      workflowId: `embed-query-${randomUUID()}`,
      taskQueue: deps.taskQueue,
      args: [{ kbId: kb.id, ownerId: kb.ownerId, text }],
      workflowExecutionTimeout: '1 minute',
    });
  } catch (err) {
    // The activity's failure type is one of the knowledge codes (activities/knowledge.ts); read it, not the message.
    const activity = err instanceof WorkflowFailedError ? err.cause : undefined;
    const app = activity instanceof ActivityFailure ? activity.cause : activity;
    const code = app instanceof ApplicationFailure ? KnowledgeErrorCodeSchema.safeParse(app.type) : undefined;
    if (code?.success) throw new KnowledgeError(code.data, app instanceof ApplicationFailure ? app.message : undefined);
    if (err instanceof WorkflowFailedError) throw new KnowledgeError('EMBEDDING_FAILED', 'The query could not be embedded');
    throw err;
  }
}

export async function searchKnowledgeBase(
  deps: KnowledgeDeps,
  kb: KnowledgeBaseRow,
  q: { query: string; topK: number; sourceIds?: string[] | undefined },
): Promise<SearchHit[]> {
  const vector = await queryVector(deps, kb, q.query);
  if (vector.length !== kb.dimensions)
    throw new KnowledgeError('EMBEDDING_DIMENSION_MISMATCH', `The query vector has ${vector.length} dimensions, expected ${kb.dimensions}`);
  return searchChunks(deps.database.db, deps.database.vector, kb, { vector, text: q.query, topK: q.topK, sourceIds: q.sourceIds });
}
