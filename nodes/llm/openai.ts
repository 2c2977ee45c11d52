// llm.openai: chat with any OpenAI-compatible server through the official client, optionally with a JSON-Schema
// structured answer. Temporal does the retrying (the client's own retries are off); 429 honours Retry-After.
import OpenAI from 'openai';
import { retryAfterMs } from '../http-request.js';
import { defineNode, type NodeContext } from '../sdk/node.js';
import { chat, clientFetch, llmNode, providerError, type LlmConfig, type LlmOutput } from './shared.js';

async function execute(input: unknown, config: LlmConfig, context: NodeContext): Promise<LlmOutput> {
  const { values } = await context.credentials.get('openai');
  const client = new OpenAI({
    apiKey: values.apiKey ?? '',
    baseURL: values.baseUrl || 'https://api.openai.com/v1',
    ...(values.organization ? { organization: values.organization } : {}),
    fetch: clientFetch(context),
    maxRetries: 0,
    timeout: context.timeoutMs,
  });
  return chat(input, config, context, {
    name: 'OpenAI',
    async ask(messages) {
      const completion = await client.chat.completions.create(
        {
          model: config.model,
          messages,
          ...(config.temperature !== undefined ? { temperature: config.temperature } : {}),
          ...(config.maxTokens !== undefined ? { max_tokens: config.maxTokens } : {}),
          ...(config.responseFormat === 'json_schema' && config.jsonSchema
            ? {
                response_format: { type: 'json_schema' as const, json_schema: { name: 'answer', schema: config.jsonSchema, strict: true } },
              }
            : {}),
        },
        { signal: context.signal },
      );
      const choice = completion.choices[0];
      return {
        text: choice?.message.content ?? '',
        model: completion.model,
        finishReason: choice?.finish_reason ?? null,
        usage: {
          promptTokens: completion.usage?.prompt_tokens ?? 0,
          completionTokens: completion.usage?.completion_tokens ?? 0,
          totalTokens: completion.usage?.total_tokens ?? 0,
        },
      };
    },
    failure: (err) => {
      if (!(err instanceof OpenAI.APIError)) return providerError('OpenAI', undefined, err instanceof Error ? err.message : String(err));
      const after = err.status === 429 ? retryAfterMs(err.headers?.get('retry-after') ?? null) : undefined;
      return providerError('OpenAI', err.status, err.message.replace(values.apiKey ?? '\u0000', '[REDACTED]'), after);
    },
  });
}

export const openAiNode = defineNode({
  ...llmNode,
  type: 'llm.openai',
  version: 1,
  displayName: 'OpenAI chat',
  description: 'Asks an OpenAI-compatible model; can require a JSON answer matching a schema. Records token usage.',
  credentials: [{ slot: 'openai', types: ['openAiApi'], required: true }],
  defaults: { timeoutMs: 120_000 },
  execute,
});
