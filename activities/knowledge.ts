// Ingestion of a knowledge-base source, in steps the workflow `loomIngest` (workflows/knowledge.ts) calls: read and
// count the chunks, then embed and store them one batch at a time, then record the outcome. A batch re-reads the
// source and re-chunks it (deterministic, chunk.ts) and takes its slice, so the workflow's history carries only
// numbers, at most one batch of chunk texts is held, and a retried batch writes exactly the rows it would have:
// seqs already stored are skipped, and the rest go in with ON CONFLICT DO NOTHING.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Database, VectorSupport } from '../db/client.js';
import { searchChunks } from '../db/knowledge-search.js';
import { findKnowledgeBase, insertChunks, loadSourceForIngest, loadSourceText, storedSeqs, updateSource } from '../db/knowledge-store.js';
import type { KbSourceStatus, KnowledgeBaseRow } from '../db/schema.js';
import { createEmbedder, CREDENTIAL_TYPE_OF, EmbeddingSettingsSchema } from '../nodes/embeddings/create.js';
import type { Embedder } from '../nodes/embeddings/embedder.js';
import type { HttpClientFactory } from '../nodes/http/client.js';
import { chunkContent, type Chunk, type ExtractedContent } from '../nodes/knowledge/chunk.js';
import { KnowledgeError, type KnowledgeErrorCode } from '../nodes/knowledge/errors.js';
import { NodeError } from '../nodes/sdk/errors.js';
import type { KnowledgeAccess } from '../nodes/sdk/node.js';
import type { CredentialVault } from './node-context.js';

/** Texts per embedding call: one activity, retried as a whole by Temporal when the provider fails. */
export const EMBED_BATCH = 64;

export interface KnowledgeActivityDeps {
  db: Database;
  http: HttpClientFactory;
  vault?: CredentialVault | undefined;
  /**
   * INJECTION POINT for file sources: the text (or rows) of the owner's file, from the files component's extractor
   * (nodes/files/extract.ts). Unset: a file source fails with SOURCE_UNREADABLE.
   */
  readFileText?: ((ownerId: string, fileId: string) => Promise<ExtractedContent>) | undefined;
}

export interface IngestError {
  code: KnowledgeErrorCode;
  message: string;
}

function failure(err: unknown): unknown {
  if (!(err instanceof KnowledgeError)) return err;
  const info: IngestError = { code: err.code, message: err.message };
  return ApplicationFailure.create({ message: err.message, type: err.code, nonRetryable: !err.retryable, details: [info] });
}

/** Stored L2-normalised: every vector of a knowledge base on the same scale, whatever its provider returns. */
function normalised(v: number[]): number[] {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  return n > 0 ? v.map((x) => x / n) : v;
}

/** Heartbeats every 2 s while a batch runs (an embedding call may take long); nothing outside an activity (bench). */
function heartbeating(): ReturnType<typeof setInterval> | undefined {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return undefined;
  }
  context.heartbeat();
  return setInterval(() => context.heartbeat(), 2_000);
}

/** The knowledge base's embedder, with its owner's credential for a remote provider, over the guarded HTTP client. */
async function embedderOf(deps: KnowledgeActivityDeps, kb: KnowledgeBaseRow): Promise<Embedder> {
  const settings = EmbeddingSettingsSchema.parse({ provider: kb.embeddingProvider, model: kb.embeddingModel, dimensions: kb.dimensions });
  const type = CREDENTIAL_TYPE_OF[settings.provider];
  if (!type) return createEmbedder(settings, undefined);
  const credential = kb.credentialId
    ? await deps.vault?.openForOwner?.(kb.credentialId, { ownerId: kb.ownerId, purpose: 'knowledge_embedding' })
    : undefined;
  if (!credential || credential.type !== type)
    throw new KnowledgeError('EMBEDDING_REFUSED', `The knowledge base's ${type} credential no longer exists`);
  // The activity's cancellation signal: a cancelled ingestion (or a worker shutting down) aborts the call.
  const signal = Context.current().cancellationSignal;
  const http = deps.http.forNode({ signal, timeoutMs: 120_000, secrets: Object.values(credential.values) });
  return createEmbedder(settings, credential.values, (url, init) => http.fetch(String(url), init as RequestInit));
}

async function embedWith(deps: KnowledgeActivityDeps, kb: KnowledgeBaseRow, texts: string[]): Promise<number[][]> {
  const embedder = await embedderOf(deps, kb);
  return (await embedder.embed(texts)).map(normalised);
}

/**
 * NodeContext.knowledge in the worker: hybrid search of the run owner's knowledge base, its query embedded here (the
 * worker opens credentials; the node never sees them). Another user's knowledge base is KNOWLEDGE_BASE_NOT_FOUND.
 */
export function createKnowledgeAccess(deps: KnowledgeActivityDeps & { vector: VectorSupport | false }) {
  return (owner: () => Promise<string | undefined>): KnowledgeAccess => ({
    async search(kbId, query, options) {
      const ownerId = await owner();
      const kb = ownerId ? await findKnowledgeBase(deps.db, ownerId, kbId) : undefined;
      if (!kb) throw new NodeError('KNOWLEDGE_BASE_NOT_FOUND', `No knowledge base ${kbId}`);
      try {
        const [vector] = await embedWith(deps, kb, [query]);
        const hits = await searchChunks(deps.db, deps.vector, kb, {
          vector: vector!,
          text: query,
          topK: options.topK,
          sourceIds: options.sourceIds,
        });
        return hits.map((h) => ({
          text: h.text,
          score: h.score,
          source: { id: h.source.id, title: h.source.title },
          citation: { ...h.citation },
        }));
      } catch (err) {
        if (!(err instanceof KnowledgeError)) throw err;
        throw new NodeError('KNOWLEDGE_UNAVAILABLE', `${err.code}: ${err.message}`, { code: err.code }, { retryable: err.retryable });
      }
    },
  });
}

export function createKnowledgeActivities(deps: KnowledgeActivityDeps) {
  // The last sources read, so the batches of one ingestion do not re-read (or re-extract) a file every time.
  const recent = new Map<string, ExtractedContent>();
  const remember = (sourceId: string, content: ExtractedContent) => {
    recent.delete(sourceId);
    recent.set(sourceId, content);
    while (recent.size > 4) recent.delete(recent.keys().next().value!);
    return content;
  };

  async function contentOf(source: { id: string; kind: 'file' | 'text'; fileId: string | null; ownerId: string }) {
    const cached = recent.get(source.id);
    if (cached) return cached;
    if (source.kind === 'text') return remember(source.id, { kind: 'text', text: await loadSourceText(deps.db, source.id) });
    if (!deps.readFileText)
      throw new KnowledgeError('SOURCE_UNREADABLE', 'File sources are not available on this worker (no extractor wired)');
    try {
      return remember(source.id, await deps.readFileText(source.ownerId, source.fileId ?? ''));
    } catch (err) {
      if (err instanceof KnowledgeError) throw err;
      throw new KnowledgeError('SOURCE_UNREADABLE', `The file could not be read: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async function embed(kb: KnowledgeBaseRow, texts: string[]): Promise<number[][]> {
    return embedWith(deps, kb, texts);
  }

  return {
    /** Marks the source ingesting and counts its chunks; `gone`: the source (or its knowledge base) was deleted. */
    async prepareIngest(args: { sourceId: string }): Promise<{ gone: true } | { gone: false; total: number }> {
      try {
        const found = await loadSourceForIngest(deps.db, args.sourceId);
        if (!found) return { gone: true };
        const content = await contentOf(found.source);
        let total = 0;
        for (const _ of chunkContent(content, { sourceId: found.source.id, title: found.source.title })) total++;
        await updateSource(deps.db, args.sourceId, { status: 'ingesting', totalChunks: total, recount: true });
        return { gone: false, total };
      } catch (err) {
        throw failure(err);
      }
    },

    /** Embeds and stores chunks [from, from + count) that are not stored yet; returns how many it added. */
    async ingestBatch(args: { sourceId: string; from: number; count: number }): Promise<{ gone: boolean; inserted: number }> {
      const beat = heartbeating();
      try {
        const found = await loadSourceForIngest(deps.db, args.sourceId);
        if (!found) return { gone: true, inserted: 0 };
        const { source, kb } = found;
        const slice: Chunk[] = [];
        for (const chunk of chunkContent(await contentOf(source), { sourceId: source.id, title: source.title })) {
          if (chunk.seq >= args.from + args.count) break;
          if (chunk.seq >= args.from) slice.push(chunk);
        }
        const stored = await storedSeqs(
          deps.db,
          source.id,
          slice.map((c) => c.seq),
        );
        const missing = slice.filter((c) => !stored.has(c.seq));
        const vectors = missing.length
          ? await embed(
              kb,
              missing.map((c) => c.text),
            )
          : [];
        const inserted = await insertChunks(
          deps.db,
          { kbId: kb.id, sourceId: source.id, ownerId: source.ownerId },
          missing.map((c, i) => ({ seq: c.seq, text: c.text, citation: c.citation, embedding: vectors[i]! })),
        );
        await updateSource(deps.db, source.id, { recount: true });
        return { gone: false, inserted };
      } catch (err) {
        throw failure(err);
      } finally {
        clearInterval(beat);
      }
    },

    async finishIngest(args: { sourceId: string; status: Extract<KbSourceStatus, 'ready' | 'failed' | 'cancelled'>; error?: IngestError }) {
      await updateSource(deps.db, args.sourceId, { status: args.status, recount: true, ...(args.error ? { error: args.error } : {}) });
    },

    /** A search query's vector, for a knowledge base whose provider needs the owner's credential (the gateway opens none). */
    async embedQuery(args: { kbId: string; ownerId: string; text: string }): Promise<number[]> {
      try {
        const kb = await findKbOfOwner(deps.db, args.ownerId, args.kbId);
        const [vector] = await embed(kb, [args.text]);
        return vector!;
      } catch (err) {
        throw failure(err);
      }
    },
  };
}

async function findKbOfOwner(db: Database, ownerId: string, kbId: string): Promise<KnowledgeBaseRow> {
  const kb = await findKnowledgeBase(db, ownerId, kbId);
  if (!kb) throw new KnowledgeError('EMBEDDING_REFUSED', `Knowledge base ${kbId} no longer exists`);
  return kb;
}

export type KnowledgeActivities = ReturnType<typeof createKnowledgeActivities>;
