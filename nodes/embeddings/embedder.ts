// What a knowledge base embeds with: one provider, one model, one dimension. Every vector an embedder hands back
// has been checked against that dimension, so a provider that answers with another size never reaches storage.
import { z } from 'zod';
import { KnowledgeError } from '../knowledge/errors.js';

export const EMBEDDING_PROVIDERS = ['openai', 'ollama', 'offline'] as const;
export const EmbeddingProviderSchema = z.enum(EMBEDDING_PROVIDERS);
export type EmbeddingProvider = z.infer<typeof EmbeddingProviderSchema>;

/** Largest dimension Loom indexes: pgvector's HNSW stops at 2,000 for `vector`, so larger ones search exactly. */
export const MAX_DIMENSIONS = 4096;
export const DimensionsSchema = z.number().int().min(1).max(MAX_DIMENSIONS);

export interface Embedder {
  readonly provider: EmbeddingProvider;
  readonly model: string;
  readonly dimensions: number;
  /** One vector per text, in order, each of `dimensions` numbers. */
  embed(texts: string[]): Promise<number[][]>;
}

/** Refuses an answer that is not one finite vector of the expected size per text. */
export function checkVectors(provider: string, dimensions: number, texts: readonly string[], vectors: unknown): number[][] {
  if (!Array.isArray(vectors) || vectors.length !== texts.length)
    throw new KnowledgeError(
      'EMBEDDING_REFUSED',
      `${provider} returned ${Array.isArray(vectors) ? vectors.length : 0} vectors for ${texts.length} texts`,
    );
  for (const v of vectors) {
    if (!Array.isArray(v) || v.length !== dimensions)
      throw new KnowledgeError(
        'EMBEDDING_DIMENSION_MISMATCH',
        `${provider} returned vectors of ${Array.isArray(v) ? v.length : 0} dimensions; this knowledge base has ${dimensions}`,
      );
    if (!v.every((x) => typeof x === 'number' && Number.isFinite(x)))
      throw new KnowledgeError('EMBEDDING_REFUSED', `${provider} returned a vector with a value that is not a finite number`);
  }
  return vectors as number[][];
}
