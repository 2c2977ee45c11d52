// Embeddings from any OpenAI-compatible `/v1/embeddings` through the official client. Its own retries are off:
// Temporal retries a failed batch (EMBEDDING_FAILED is retryable).
import OpenAI from 'openai';
import { KnowledgeError, providerFailure } from '../knowledge/errors.js';
import { checkVectors, type Embedder } from './embedder.js';

export interface OpenAiEmbedderOptions {
  apiKey: string;
  baseUrl?: string | undefined;
  organization?: string | undefined;
  model: string;
  dimensions: number;
  /** The guarded HTTP client's fetch (SSRF guard, timeouts), as the LLM nodes use it. */
  fetch?: typeof globalThis.fetch | undefined;
  timeoutMs?: number;
}

export function openAiEmbedder(options: OpenAiEmbedderOptions): Embedder {
  const client = new OpenAI({
    apiKey: options.apiKey || 'none',
    baseURL: options.baseUrl || 'https://api.openai.com/v1',
    ...(options.organization ? { organization: options.organization } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    maxRetries: 0,
    timeout: options.timeoutMs ?? 60_000,
  });
  return {
    provider: 'openai',
    model: options.model,
    dimensions: options.dimensions,
    async embed(texts) {
      if (texts.length === 0) return [];
      let response: OpenAI.CreateEmbeddingResponse;
      try {
        // Floats asked for explicitly: the client's default (base64) is not spoken by every compatible server.
        response = await client.embeddings.create({ model: options.model, input: texts, encoding_format: 'float' });
      } catch (err) {
        if (err instanceof OpenAI.APIError) {
          const message = options.apiKey ? err.message.replaceAll(options.apiKey, '[REDACTED]') : err.message;
          throw providerFailure('OpenAI', err.status, message);
        }
        throw providerFailure('OpenAI', undefined, err instanceof Error ? err.message : String(err));
      }
      // The API answers with an index per vector; order by it rather than trust the array's order.
      const ordered = [...(response.data ?? [])].sort((a, b) => a.index - b.index).map((d) => d.embedding);
      if (ordered.length !== texts.length)
        throw new KnowledgeError('EMBEDDING_REFUSED', `OpenAI returned ${ordered.length} vectors for ${texts.length} texts`);
      return checkVectors('OpenAI', options.dimensions, texts, ordered);
    },
  };
}
