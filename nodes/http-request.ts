// http.request: calls an HTTP endpoint and outputs { status, headers, body }.
// 429 and 5xx are retryable (the executor's retry policy does the waiting); other 4xx are not.
import { z } from 'zod';
import { NodeError } from './errors.js';
import { defineNode, type NodeContext } from './sdk.js';

const ConfigSchema = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).default('GET'),
    url: z.string().min(1, 'URL is required'),
    headers: z.record(z.string(), z.string()).default({}),
    query: z.record(z.string(), z.string()).default({}),
    body: z.unknown().optional(),
    responseFormat: z.enum(['auto', 'json', 'text']).default('auto'),
    maxResponseBytes: z.number().int().positive().max(100 * 1024 * 1024).default(10 * 1024 * 1024),
  })
  .strict();

type Config = z.infer<typeof ConfigSchema>;

export interface HttpResponseOutput {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

function buildUrl(config: Config): URL {
  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    throw new NodeError('CONFIG_INVALID', `"${config.url}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new NodeError('CONFIG_INVALID', `Only http and https URLs are supported, not ${url.protocol}`);
  for (const [k, v] of Object.entries(config.query)) url.searchParams.append(k, v);
  return url;
}

/** Reads at most `limit` bytes, so a huge or endless response cannot exhaust the worker's memory. */
async function readCapped(response: Response, limit: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel();
    throw new NodeError('HTTP_RESPONSE_TOO_LARGE', `Response of ${declared} bytes exceeds the ${limit}-byte limit`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  if (!response.body) return Buffer.alloc(0);
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > limit) throw new NodeError('HTTP_RESPONSE_TOO_LARGE', `Response exceeds the ${limit}-byte limit`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function decodeBody(raw: Buffer, contentType: string | null, format: Config['responseFormat']): unknown {
  const text = raw.toString('utf8');
  const looksJson = (contentType ?? '').includes('json');
  if (format === 'text' || (format === 'auto' && !looksJson)) return text;
  if (text.length === 0) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (format === 'json') throw new NodeError('HTTP_STATUS', 'The response is not valid JSON', { contentType });
    return text;
  }
}

async function execute(_input: unknown, config: Config, context: NodeContext): Promise<HttpResponseOutput> {
  const url = buildUrl(config);
  const headers = new Headers(config.headers);
  let body: string | undefined;
  if (config.body !== undefined && config.method !== 'GET' && config.method !== 'HEAD') {
    body = typeof config.body === 'string' ? config.body : JSON.stringify(config.body);
    if (!headers.has('content-type')) headers.set('content-type', typeof config.body === 'string' ? 'text/plain' : 'application/json');
  }
  const timeout = AbortSignal.timeout(Math.min(30_000, context.timeoutMs));
  let response: Response;
  try {
    response = await fetch(url, { method: config.method, headers, body, signal: AbortSignal.any([context.signal, timeout]), redirect: 'follow' });
  } catch (err) {
    if (context.signal.aborted) throw new NodeError('NODE_CANCELLED');
    if (timeout.aborted) throw new NodeError('HTTP_TIMEOUT', `No response from ${url.host} within the timeout`);
    throw new NodeError('HTTP_NETWORK', `Could not reach ${url.host}: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`);
  }
  const raw = await readCapped(response, config.maxResponseBytes);
  const output: HttpResponseOutput = {
    status: response.status,
    headers: Object.fromEntries(response.headers.entries()),
    body: decodeBody(raw, response.headers.get('content-type'), config.responseFormat),
  };
  if (response.ok) return output;
  const retryable = response.status === 429 || response.status >= 500;
  throw new NodeError(retryable ? 'HTTP_RETRYABLE_STATUS' : 'HTTP_STATUS', `${config.method} ${url.host}${url.pathname} answered ${response.status}`, {
    status: response.status,
    body: output.body,
  });
}

export const httpRequest = defineNode({
  type: 'http.request',
  version: 1,
  displayName: 'HTTP Request',
  category: 'network',
  description: 'Calls any HTTP API and outputs its status, headers and body.',
  kind: 'activity',
  configSchema: ConfigSchema,
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [{ name: 'out', dataType: 'json' }],
  operations: (config) => (config.method === 'GET' || config.method === 'HEAD' || config.method === 'OPTIONS' ? ['read', 'external_api'] : ['external_api']),
  defaults: { timeoutMs: 60_000 },
  execute,
});
