// llm.openai: chat with any OpenAI-compatible server through the official client, optionally with a JSON-Schema
// structured answer. Temporal does the retrying (the client's own retries are off); 429 honours Retry-After.
import OpenAI from 'openai';
import { retryAfterMs } from '../http-request.js';
import { NodeError } from '../sdk/errors.js';
import { defineNode, type NodeContext } from '../sdk/node.js';
import {
  buildMessages,
  knowledgeContext,
  llmFields,
  llmOutputShape,
  providerError,
  refineLlm,
  validateStructured,
  type LlmConfig,
  type LlmOutput,
} from './shared.js';

async function chat(input: unknown, config: LlmConfig, context: NodeContext): Promise<LlmOutput> {
  const { values } = await context.credentials.get('openai');
  const client = new OpenAI({
    apiKey: values.apiKey ?? '',
    baseURL: values.baseUrl || 'https://api.openai.com/v1',
    ...(values.organization ? { organization: values.organization } : {}),
    // The node's HTTP client: its timeout, its abort signal and the SSRF guard apply to the model call too.
    fetch: (url, init) => context.http.fetch(url as string, init as RequestInit),
    maxRetries: 0,
    timeout: context.timeoutMs,
  });
  const hits = await knowledgeContext(config, context);
  const { messages, safety, citations } = buildMessages(config, input, hits);
  try {
    const completion = await client.chat.completions.create(
      {
        model: config.model,
        messages,
        ...(config.temperature !== undefined ? { temperature: config.temperature } : {}),
        ...(config.maxTokens !== undefined ? { max_tokens: config.maxTokens } : {}),
        ...(config.responseFormat === 'json_schema' && config.jsonSchema
          ? { response_format: { type: 'json_schema' as const, json_schema: { name: 'answer', schema: config.jsonSchema, strict: true } } }
          : {}),
      },
      { signal: context.signal },
    );
    const choice = completion.choices[0];
    const text = choice?.message.content ?? '';
    const output: LlmOutput = {
      text,
      model: completion.model,
      finishReason: choice?.finish_reason ?? null,
      usage: {
        promptTokens: completion.usage?.prompt_tokens ?? 0,
        completionTokens: completion.usage?.completion_tokens ?? 0,
        totalTokens: completion.usage?.total_tokens ?? 0,
      },
      safety,
      ...(citations ? { citations } : {}),
    };
    if (config.responseFormat === 'json_schema' && config.jsonSchema) output.json = validateStructured(text, config.jsonSchema);
    context.log.info(`openai ${completion.model}: ${output.usage.totalTokens} tokens`, { usage: output.usage });
    return output;
  } catch (err) {
    if (err instanceof NodeError) throw err;
    if (context.signal.aborted) throw new NodeError('NODE_CANCELLED');
    if (err instanceof OpenAI.APIError) {
      const after = err.status === 429 ? retryAfterMs(err.headers?.get('retry-after') ?? null) : undefined;
      throw providerError('OpenAI', err.status, err.message.replace(values.apiKey ?? '\u0000', '[REDACTED]'), after);
    }
    throw providerError('OpenAI', undefined, err instanceof Error ? err.message : String(err));
  }
}

export const openAiNode = defineNode({
  type: 'llm.openai',
  version: 1,
  displayName: 'OpenAI chat',
  category: 'ai',
  description: 'Asks an OpenAI-compatible model; can require a JSON answer matching a schema. Records token usage.',
  kind: 'activity',
  fields: llmFields,
  refine: refineLlm,
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [{ name: 'out', dataType: 'json' }],
  credentials: [{ slot: 'openai', types: ['openAiApi'], required: true }],
  operations: () => ['external_api', 'llm'],
  defaults: { timeoutMs: 120_000 },
  outputShape: llmOutputShape,
  execute: chat,
});
