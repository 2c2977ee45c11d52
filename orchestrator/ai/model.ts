// The one interface Loom's AI features talk to a model through, with its two real clients: `openai` (any
// OpenAI-compatible endpoint, structured outputs by JSON Schema) and `ollama` (`format` by JSON Schema). Neither
// retries on its own: the generate loop decides what a failure costs. Errors leave as AiModelError with a closed code.
import { Ollama } from 'ollama';
import OpenAI from 'openai';

export interface ModelMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface ModelRequest {
  system: string;
  messages: ModelMessage[];
  /** Ask for JSON matching this schema (OpenAI strict structured output, Ollama `format`). */
  schema?: { name: string; jsonSchema: Record<string, unknown> };
  timeoutMs: number;
}

export interface ModelReply {
  content: string;
  model: string;
  usage: { promptTokens: number; completionTokens: number };
}

export interface LanguageModel {
  readonly provider: 'openai' | 'ollama';
  readonly model: string;
  complete(request: ModelRequest): Promise<ModelReply>;
}

export const AI_MODEL_ERRORS = {
  AI_MODEL_TIMEOUT: 'The model did not answer in time',
  AI_MODEL_FAILED: 'The model server refused or failed the request',
} as const;
export type AiModelErrorCode = keyof typeof AI_MODEL_ERRORS;

export class AiModelError extends Error {
  override readonly name = 'AiModelError';
  constructor(
    readonly code: AiModelErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const isTimeout = (err: unknown) =>
  err instanceof OpenAI.APIConnectionTimeoutError || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'));

export function openAiModel(options: { baseUrl: string; apiKey: string; model: string }): LanguageModel {
  const client = new OpenAI({ apiKey: options.apiKey || 'none', baseURL: options.baseUrl, maxRetries: 0 });
  return {
    provider: 'openai',
    model: options.model,
    async complete(request) {
      try {
        const completion = await client.chat.completions.create(
          {
            model: options.model,
            messages: [{ role: 'system', content: request.system }, ...request.messages],
            ...(request.schema
              ? {
                  response_format: {
                    type: 'json_schema' as const,
                    json_schema: { name: request.schema.name, schema: request.schema.jsonSchema, strict: false },
                  },
                }
              : {}),
          },
          { timeout: request.timeoutMs },
        );
        return {
          content: completion.choices[0]?.message.content ?? '',
          model: completion.model,
          usage: { promptTokens: completion.usage?.prompt_tokens ?? 0, completionTokens: completion.usage?.completion_tokens ?? 0 },
        };
      } catch (err) {
        if (isTimeout(err))
          throw new AiModelError('AI_MODEL_TIMEOUT', `${options.model} did not answer within ${request.timeoutMs} ms`, { cause: err });
        const detail = err instanceof OpenAI.APIError ? `${err.status ?? ''} ${err.message}` : String(err);
        throw new AiModelError(
          'AI_MODEL_FAILED',
          `The OpenAI-compatible server failed: ${detail.replace(options.apiKey || '\u0000', '[REDACTED]')}`,
          {
            cause: err,
          },
        );
      }
    },
  };
}

export function ollamaModel(options: { url: string; model: string }): LanguageModel {
  return {
    provider: 'ollama',
    model: options.model,
    async complete(request) {
      // A client per call: abort() cancels every request of a client, and each call has its own deadline.
      const client = new Ollama({ host: options.url });
      const timer = setTimeout(() => client.abort(), request.timeoutMs);
      try {
        const response = await client.chat({
          model: options.model,
          messages: [{ role: 'system', content: request.system }, ...request.messages],
          stream: false,
          ...(request.schema ? { format: request.schema.jsonSchema } : {}),
        });
        return {
          content: response.message.content,
          model: response.model,
          usage: { promptTokens: response.prompt_eval_count ?? 0, completionTokens: response.eval_count ?? 0 },
        };
      } catch (err) {
        if (isTimeout(err))
          throw new AiModelError('AI_MODEL_TIMEOUT', `${options.model} did not answer within ${request.timeoutMs} ms`, { cause: err });
        throw new AiModelError('AI_MODEL_FAILED', `The Ollama server failed: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
        });
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
