// Credential types for language model providers.
import { defineCredentialType } from '../sdk/credentials.js';
import { field } from '../sdk/fields.js';

export const openAiApi = defineCredentialType({
  type: 'openAiApi',
  displayName: 'OpenAI-compatible API',
  description: 'An API key and base URL: OpenAI itself, or any server that speaks its API.',
  fields: {
    apiKey: field.string({ label: 'API key', required: true, secret: true }),
    baseUrl: field.string({ label: 'Base URL', default: 'https://api.openai.com/v1' }),
    organization: field.string({ label: 'Organization' }),
  },
});

export const ollamaApi = defineCredentialType({
  type: 'ollamaApi',
  displayName: 'Ollama',
  description: 'An Ollama server; an API key only when a proxy in front of it asks for one.',
  fields: {
    host: field.string({ label: 'Host', default: 'http://127.0.0.1:11434' }),
    apiKey: field.string({ label: 'API key', secret: true }),
  },
});
