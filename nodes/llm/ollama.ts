// llm.ollama: chat with an Ollama server through the official client, optionally with a JSON-Schema format.
import { Ollama } from 'ollama';
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
  const { values } = await context.credentials.get('ollama');
  const client = new Ollama({
    host: values.host || 'http://127.0.0.1:11434',
    fetch: (url, init) => context.http.fetch(url as string, init as RequestInit),
    ...(values.apiKey ? { headers: { authorization: `Bearer ${values.apiKey}` } } : {}),
  });
  const onAbort = () => client.abort();
  context.signal.addEventListener('abort', onAbort, { once: true });
  const hits = await knowledgeContext(config, context);
  const { messages, safety, citations } = buildMessages(config, input, hits);
  try {
    const response = await client.chat({
      model: config.model,
      messages,
      stream: false,
      ...(config.responseFormat === 'json_schema' && config.jsonSchema ? { format: config.jsonSchema } : {}),
      options: {
        ...(config.temperature !== undefined ? { temperature: config.temperature } : {}),
        ...(config.maxTokens !== undefined ? { num_predict: config.maxTokens } : {}),
      },
    });
    const promptTokens = response.prompt_eval_count ?? 0;
    const completionTokens = response.eval_count ?? 0;
    const output: LlmOutput = {
      text: response.message.content,
      model: response.model,
      finishReason: response.done_reason ?? null,
      usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
      safety,
      ...(citations ? { citations } : {}),
    };
    if (config.responseFormat === 'json_schema' && config.jsonSchema) output.json = validateStructured(output.text, config.jsonSchema);
    context.log.info(`ollama ${response.model}: ${output.usage.totalTokens} tokens`, { usage: output.usage });
    return output;
  } catch (err) {
    if (err instanceof NodeError) throw err;
    if (context.signal.aborted) throw new NodeError('NODE_CANCELLED');
    const status =
      err && typeof err === 'object' && 'status_code' in err ? Number((err as { status_code: unknown }).status_code) : undefined;
    throw providerError('Ollama', status, err instanceof Error ? err.message : String(err));
  } finally {
    context.signal.removeEventListener('abort', onAbort);
  }
}

export const ollamaNode = defineNode({
  type: 'llm.ollama',
  version: 1,
  displayName: 'Ollama chat',
  category: 'ai',
  description: 'Asks a model on an Ollama server; can require a JSON answer matching a schema. Records token usage.',
  kind: 'activity',
  fields: llmFields,
  refine: refineLlm,
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [{ name: 'out', dataType: 'json' }],
  credentials: [{ slot: 'ollama', types: ['ollamaApi'], required: true }],
  operations: () => ['external_api', 'llm'],
  defaults: { timeoutMs: 300_000 },
  outputShape: llmOutputShape,
  execute: chat,
});
