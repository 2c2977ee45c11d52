// The embedder a knowledge base names, from its settings and (for a remote provider) its credential's values.
import { z } from 'zod';
import { DimensionsSchema, EmbeddingProviderSchema, type Embedder } from './embedder.js';
import { offlineEmbedder } from './offline.js';
import { ollamaEmbedder } from './ollama.js';
import { openAiEmbedder } from './openai.js';

export const EmbeddingSettingsSchema = z
  .object({ provider: EmbeddingProviderSchema, model: z.string().min(1).max(200), dimensions: DimensionsSchema })
  .strict();
export type EmbeddingSettings = z.infer<typeof EmbeddingSettingsSchema>;

/** Which credential type a provider opens; the offline embedder needs none. */
export const CREDENTIAL_TYPE_OF = { openai: 'openAiApi', ollama: 'ollamaApi', offline: undefined } as const;

export function createEmbedder(
  settings: EmbeddingSettings,
  credential: Record<string, string> | undefined,
  fetch?: typeof globalThis.fetch,
): Embedder {
  const values = credential ?? {};
  switch (settings.provider) {
    case 'offline':
      return offlineEmbedder(settings.dimensions);
    case 'openai':
      return openAiEmbedder({
        apiKey: values.apiKey ?? '',
        baseUrl: values.baseUrl,
        organization: values.organization,
        model: settings.model,
        dimensions: settings.dimensions,
        fetch,
      });
    case 'ollama':
      return ollamaEmbedder({ host: values.host, apiKey: values.apiKey, model: settings.model, dimensions: settings.dimensions, fetch });
  }
}
