// Embeddings from an Ollama server's `/api/embed` through the official client (one call for a whole batch).
import { Ollama } from 'ollama';
import { providerFailure } from '../knowledge/errors.js';
import { checkVectors, type Embedder } from './embedder.js';

export interface OllamaEmbedderOptions {
  host?: string | undefined;
  apiKey?: string | undefined;
  model: string;
  dimensions: number;
  fetch?: typeof globalThis.fetch | undefined;
}

export function ollamaEmbedder(options: OllamaEmbedderOptions): Embedder {
  const client = new Ollama({
    host: options.host || 'http://127.0.0.1:11434',
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.apiKey ? { headers: { authorization: `Bearer ${options.apiKey}` } } : {}),
  });
  return {
    provider: 'ollama',
    model: options.model,
    dimensions: options.dimensions,
    async embed(texts) {
      if (texts.length === 0) return [];
      let embeddings: number[][];
      try {
        ({ embeddings } = await client.embed({ model: options.model, input: texts }));
      } catch (err) {
        const status =
          err && typeof err === 'object' && 'status_code' in err ? Number((err as { status_code: unknown }).status_code) : undefined;
        throw providerFailure('Ollama', status, err instanceof Error ? err.message : String(err));
      }
      return checkVectors('Ollama', options.dimensions, texts, embeddings);
    },
  };
}
