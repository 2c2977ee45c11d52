// llm.ollama: chat with an Ollama server through the official client, optionally with a JSON-Schema format.
import { Ollama } from 'ollama';
import { defineNode, type NodeContext } from '../sdk/node.js';
import { chat, clientFetch, llmNode, providerError, type LlmConfig, type LlmOutput } from './shared.js';

async function execute(input: unknown, config: LlmConfig, context: NodeContext): Promise<LlmOutput> {
  const { values } = await context.credentials.get('ollama');
  const client = new Ollama({
    host: values.host || 'http://127.0.0.1:11434',
    fetch: clientFetch(context),
    ...(values.apiKey ? { headers: { authorization: `Bearer ${values.apiKey}` } } : {}),
  });
  return chat(input, config, context, {
    name: 'Ollama',
    async ask(messages) {
      // The client takes no signal: a cancelled node aborts its requests.
      const onAbort = () => client.abort();
      context.signal.addEventListener('abort', onAbort, { once: true });
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
        return {
          text: response.message.content,
          model: response.model,
          finishReason: response.done_reason ?? null,
          usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
        };
      } finally {
        context.signal.removeEventListener('abort', onAbort);
      }
    },
    failure: (err) => {
      const status =
        err && typeof err === 'object' && 'status_code' in err ? Number((err as { status_code: unknown }).status_code) : undefined;
      return providerError('Ollama', status, err instanceof Error ? err.message : String(err));
    },
  });
}

export const ollamaNode = defineNode({
  ...llmNode,
  type: 'llm.ollama',
  version: 1,
  displayName: 'Ollama chat',
  description: 'Asks a model on an Ollama server; can require a JSON answer matching a schema. Records token usage.',
  credentials: [{ slot: 'ollama', types: ['ollamaApi'], required: true }],
  defaults: { timeoutMs: 300_000 },
  execute,
});
