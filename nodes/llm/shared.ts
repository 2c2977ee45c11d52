// What the LLM nodes share: the fields users set and what else they declare alike, the prompt assembly with untrusted
// input, one chat turn around a provider's client, structured-output validation against a JSON Schema, and the output
// shape (with token usage, which the executor records).
import { z } from 'zod';
import { shapeFromJsonSchema, type Shape } from '../../compiler/shapes.js';
import { NodeError } from '../sdk/errors.js';
import { field, type ConfigOf } from '../sdk/fields.js';
import type { NodeContext } from '../sdk/node.js';
import { KnowledgeHitSchema, shapeOf, type KnowledgeHit } from '../sdk/values.js';
import { knowledgeOf } from '../knowledge/search-node.js';
import { delimitUntrusted } from './prompt.js';

const llmFields = {
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
  context: field.json({
    label: 'Knowledge context',
    help: 'A knowledge base and a query: the passages found are added to the prompt as data, and cited in the output',
    schema: z
      .object({ knowledgeBase: z.string().min(1), query: z.string().min(1), topK: z.number().int().min(1).max(20).default(5) })
      .strict(),
  }),
};
export type LlmConfig = ConfigOf<typeof llmFields>;

const refineLlm = (schema: z.ZodObject) =>
  schema.superRefine((c, ctx) => {
    if (c.responseFormat === 'json_schema' && !c.jsonSchema)
      ctx.addIssue({ code: 'custom', path: ['jsonSchema'], message: 'A JSON Schema is required for JSON answers' });
  });

interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

const LlmOutputSchema = z.object({
  text: z.string(),
  /** A JSON answer (`responseFormat: json_schema`), checked against the node's schema. */
  json: z.unknown().optional(),
  model: z.string(),
  finishReason: z.string().nullable(),
  usage: z.object({ promptTokens: z.number().int(), completionTokens: z.number().int(), totalTokens: z.number().int() }),
  safety: z.object({ flagged: z.array(z.string()), inputTruncated: z.boolean() }),
  /** The knowledge passages the prompt was given (`context`), with their sources. */
  citations: z
    .array(
      z.object({
        n: z.number().int(),
        source: KnowledgeHitSchema.shape.source,
        citation: KnowledgeHitSchema.shape.citation,
        score: z.number(),
      }),
    )
    .optional(),
});
export type LlmOutput = z.infer<typeof LlmOutputSchema>;

const LLM_OUTPUT = shapeOf(LlmOutputSchema);

/**
 * The output's shape for a config: `json` is there for JSON answers only (of the schema's shape; the answer was
 * checked against it), `citations` with a knowledge context only. A response format given by an expression may
 * be either, so `json` may be there but need not.
 */
function llmOutputShape(config: LlmConfig): Shape {
  const { json: _json, citations, ...always } = LLM_OUTPUT.properties ?? {};
  const properties: Record<string, Shape> = { ...always };
  const required = Object.keys(always);
  if (config.responseFormat !== 'text' && config.jsonSchema) {
    properties.json = shapeFromJsonSchema(config.jsonSchema) ?? {};
    if (config.responseFormat === 'json_schema') required.push('json');
  }
  if (config.context && citations) {
    properties.citations = citations;
    required.push('citations');
  }
  return { ...LLM_OUTPUT, properties, required };
}

/** What every LLM node declares alike; each adds its type, texts, credential slot and timeout. */
export const llmNode = {
  category: 'ai' as const,
  kind: 'activity' as const,
  fields: llmFields,
  refine: refineLlm,
  inputs: [{ name: 'in', dataType: 'any' as const }],
  outputs: [{ name: 'out', dataType: 'json' as const }],
  operations: () => ['external_api' as const, 'llm' as const],
  outputShape: llmOutputShape,
};

/** The longest knowledge context given to a model. */
const MAX_CONTEXT_CHARS = 50_000;

/** The passages the `context` setting asks for, searched in the run owner's knowledge base; undefined without it. */
async function knowledgeContext(config: LlmConfig, context: NodeContext): Promise<KnowledgeHit[] | undefined> {
  if (!config.context) return undefined;
  const { knowledgeBase, query, topK } = config.context;
  return knowledgeOf(context).search(knowledgeBase, query, { topK });
}

function buildMessages(
  config: LlmConfig,
  input: unknown,
  hits?: KnowledgeHit[],
): { messages: ChatMessage[]; safety: LlmOutput['safety']; citations?: LlmOutput['citations'] } {
  const messages: ChatMessage[] = [];
  if (config.system) messages.push({ role: 'system', content: config.system });
  let content = config.prompt;
  let safety: LlmOutput['safety'] = { flagged: [], inputTruncated: false };
  if (config.includeInput) {
    const fenced = delimitUntrusted('input', typeof input === 'string' ? input : JSON.stringify(input, null, 2), config.maxInputChars);
    content += `\n\n${fenced.text}`;
    safety = { flagged: fenced.flagged, inputTruncated: fenced.truncated };
  }
  let citations: LlmOutput['citations'];
  if (hits) {
    // Passages are data like the input: fenced, numbered so the answer can cite them, flagged if they try to instruct.
    const passages = hits.map(
      (h, i) => `[${i + 1}] ${h.source.title}${h.citation.page ? `, page ${String(h.citation.page)}` : ''}\n${h.text}`,
    );
    const fenced = delimitUntrusted('knowledge', passages.join('\n\n'), MAX_CONTEXT_CHARS);
    content += `\n\nPassages from the knowledge base, cite them as [n]:\n${fenced.text}`;
    safety = { ...safety, flagged: [...new Set([...safety.flagged, ...fenced.flagged])] };
    citations = hits.map((h, i) => ({ n: i + 1, source: h.source, citation: h.citation, score: h.score }));
  }
  messages.push({ role: 'user', content });
  return { messages, safety, ...(citations ? { citations } : {}) };
}

/** Parses and checks a structured answer; the model is not trusted to have followed the schema. */
function validateStructured(text: string, jsonSchema: Record<string, unknown>): unknown {
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

/** What a provider's client answered, in the output's terms; safety, citations and the JSON answer are Loom's own. */
type ProviderAnswer = Pick<LlmOutput, 'text' | 'model' | 'finishReason' | 'usage'>;

/** A provider's side of a chat turn: its name (logs, errors), the call through its client, and its errors mapped. */
export interface ChatProvider {
  name: string;
  ask(messages: ChatMessage[]): Promise<ProviderAnswer>;
  failure(err: unknown): NodeError;
}

/**
 * One chat turn as every LLM node runs it: the knowledge context searched, the prompt assembled with untrusted text
 * fenced, the provider asked, a JSON answer checked against its schema and the token usage logged. A node error
 * (the schema check's, the HTTP client's) passes as it is, a cancelled call is NODE_CANCELLED, and anything else is
 * the provider's to map.
 */
export async function chat(input: unknown, config: LlmConfig, context: NodeContext, provider: ChatProvider): Promise<LlmOutput> {
  const hits = await knowledgeContext(config, context);
  const { messages, safety, citations } = buildMessages(config, input, hits);
  try {
    const output: LlmOutput = { ...(await provider.ask(messages)), safety, ...(citations ? { citations } : {}) };
    if (config.responseFormat === 'json_schema' && config.jsonSchema) output.json = validateStructured(output.text, config.jsonSchema);
    context.log.info(`${provider.name} ${output.model}: ${output.usage.totalTokens} tokens`, { usage: output.usage });
    return output;
  } catch (err) {
    if (err instanceof NodeError) throw err;
    if (context.signal.aborted) throw new NodeError('NODE_CANCELLED');
    throw provider.failure(err);
  }
}

/** The node's HTTP client as a provider's client takes it: its timeout, abort signal and SSRF guard apply to the call. */
export function clientFetch(context: NodeContext): (url: string | URL | Request, init?: RequestInit) => Promise<Response> {
  return (url, init) => context.http.fetch(url as string, init);
}
