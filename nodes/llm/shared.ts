// What the LLM nodes share: the fields users set, the prompt assembly with untrusted input, structured-output
// validation against a JSON Schema, and the output shape (with token usage, which the executor records).
import { z } from 'zod';
import { NodeError } from '../sdk/errors.js';
import { field, type ConfigOf } from '../sdk/fields.js';
import { delimitUntrusted } from './prompt.js';

export const llmFields = {
  model: field.string({ label: 'Model', required: true }),
  system: field.string({ label: 'System prompt' }),
  prompt: field.string({ label: 'Prompt', required: true, placeholder: 'Summarise {{ $json.text }}' }),
  includeInput: field.boolean({ label: 'Append the node input as data', default: false }),
  maxInputChars: field.number({ label: 'Longest input passed on (characters)', default: 20_000, min: 100, max: 500_000, int: true }),
  temperature: field.number({ label: 'Temperature', min: 0, max: 2 }),
  maxTokens: field.number({ label: 'Max output tokens', min: 1, max: 200_000, int: true }),
  responseFormat: field.select(
    [
      { value: 'text', label: 'Text' },
      { value: 'json_schema', label: 'JSON matching a schema' },
    ],
    { label: 'Response', default: 'text' },
  ),
  jsonSchema: field.json({ label: 'JSON Schema of the answer', schema: z.record(z.string(), z.unknown()) }),
};
export type LlmConfig = ConfigOf<typeof llmFields>;

export const refineLlm = (schema: z.ZodObject) =>
  schema.superRefine((c, ctx) => {
    if (c.responseFormat === 'json_schema' && !c.jsonSchema)
      ctx.addIssue({ code: 'custom', path: ['jsonSchema'], message: 'A JSON Schema is required for JSON answers' });
  });

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

export interface LlmOutput {
  text: string;
  json?: unknown;
  model: string;
  finishReason: string | null;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  safety: { flagged: string[]; inputTruncated: boolean };
}

export function buildMessages(config: LlmConfig, input: unknown): { messages: ChatMessage[]; safety: LlmOutput['safety'] } {
  const messages: ChatMessage[] = [];
  if (config.system) messages.push({ role: 'system', content: config.system });
  let content = config.prompt;
  let safety: LlmOutput['safety'] = { flagged: [], inputTruncated: false };
  if (config.includeInput) {
    const fenced = delimitUntrusted('input', typeof input === 'string' ? input : JSON.stringify(input, null, 2), config.maxInputChars);
    content += `\n\n${fenced.text}`;
    safety = { flagged: fenced.flagged, inputTruncated: fenced.truncated };
  }
  messages.push({ role: 'user', content });
  return { messages, safety };
}

/** Parses and checks a structured answer; the model is not trusted to have followed the schema. */
export function validateStructured(text: string, jsonSchema: Record<string, unknown>): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new NodeError('LLM_INVALID_RESPONSE', 'The model was asked for JSON but answered something else', { answer: text.slice(0, 500) });
  }
  const parsed = z.fromJSONSchema(jsonSchema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(value);
  if (!parsed.success) {
    throw new NodeError(
      'LLM_SCHEMA_MISMATCH',
      `The model's JSON does not match the schema: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`,
      { answer: value },
    );
  }
  return value;
}

/** Maps an HTTP status from a provider onto a node error; the message never includes credentials. */
export function providerError(provider: string, status: number | undefined, message: string, retryAfterMs?: number): NodeError {
  if (status === 429)
    return new NodeError(
      'LLM_RATE_LIMITED',
      `${provider} is rate limiting: ${message}`,
      { status },
      { retryable: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
    );
  if (status !== undefined && status >= 500)
    return new NodeError('LLM_REQUEST_FAILED', `${provider} failed (${status}): ${message}`, { status }, { retryable: true });
  if (status === 401 || status === 403)
    return new NodeError('LLM_AUTH_FAILED', `${provider} refused the credential (${status})`, { status }, { retryable: false });
  if (status !== undefined)
    return new NodeError(
      'LLM_REQUEST_FAILED',
      `${provider} rejected the request (${status}): ${message}`,
      { status },
      { retryable: false },
    );
  return new NodeError('LLM_REQUEST_FAILED', `${provider} could not be reached: ${message}`, undefined, { retryable: true });
}
