// http.request: calls an HTTP endpoint and outputs { status, headers, body }.
// 429 and 5xx are retryable and honour Retry-After; other 4xx are not retried.
import { z } from 'zod';
import { staticRequestHost } from '../compiler/request-host.js';
import { closedObject, STRING } from '../compiler/shapes.js';
import { HTTP_AUTH_TYPES } from './credentials/http.js';
import { RedirectError } from './http/redirects.js';
import { SsrfError } from './http/ssrf-guard.js';
import { NodeError } from './sdk/errors.js';
import { field, type ConfigOf } from './sdk/fields.js';
import { defineNode, localWithin, type NodeContext } from './sdk/node.js';

const fields = {
  method: field.select(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'], { label: 'Method', default: 'GET' }),
  url: field.string({ label: 'URL', required: true, placeholder: 'https://api.example.com/items' }),
  query: field.json({ label: 'Query parameters', default: {}, schema: z.record(z.string(), z.string()) }),
  headers: field.json({ label: 'Headers', default: {}, schema: z.record(z.string(), z.string()) }),
  bodyType: field.select(['none', 'json', 'form', 'raw'], { label: 'Body', default: 'none' }),
  body: field.json({ label: 'Body content', help: 'JSON value for json, an object of strings for form, a string for raw' }),
  responseFormat: field.select(['auto', 'json', 'text', 'binary'], { label: 'Response format', default: 'auto' }),
  timeoutMs: field.number({ label: 'Request timeout (ms)', default: 30_000, min: 1, max: 600_000, int: true }),
  maxResponseBytes: field.number({
    label: 'Largest response (bytes)',
    default: 10 * 1024 * 1024,
    min: 1,
    max: 100 * 1024 * 1024,
    int: true,
  }),
};
type Config = ConfigOf<typeof fields>;

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface HttpResponseOutput {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

async function applyAuth(url: URL, headers: Headers, context: NodeContext): Promise<void> {
  if (!context.credentials.has('auth')) return;
  const { type, values } = await context.credentials.get('auth');
  if (type === 'httpBearer') headers.set('authorization', `Bearer ${values.token}`);
  else if (type === 'httpBasic')
    headers.set('authorization', `Basic ${Buffer.from(`${values.username}:${values.password}`).toString('base64')}`);
  else if (type === 'httpApiKey' && values.name && values.value !== undefined) {
    if (values.in === 'query') url.searchParams.set(values.name, values.value);
    else headers.set(values.name, values.value);
  }
}

function requestBody(config: Config, headers: Headers): string | URLSearchParams | undefined {
  if (config.bodyType === 'none' || config.method === 'GET' || config.method === 'HEAD') return undefined;
  if (config.bodyType === 'form') {
    const form = z.record(z.string(), z.string()).safeParse(config.body ?? {});
    if (!form.success) throw new NodeError('CONFIG_INVALID', 'A form body must be an object of strings');
    return new URLSearchParams(form.data);
  }
  if (config.bodyType === 'raw') return typeof config.body === 'string' ? config.body : JSON.stringify(config.body ?? '');
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  return JSON.stringify(config.body ?? null);
}

/** Reads at most `limit` bytes, so a huge or endless response cannot exhaust the worker's memory. */
async function readCapped(response: Response, limit: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel();
    throw new NodeError('HTTP_RESPONSE_TOO_LARGE', `The response of ${declared} bytes exceeds the ${limit}-byte limit`, {
      limit,
      size: declared,
    });
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > limit) throw new NodeError('HTTP_RESPONSE_TOO_LARGE', `The response exceeds the ${limit}-byte limit`, { limit });
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function decodeBody(raw: Buffer, contentType: string | null, format: Config['responseFormat']): unknown {
  const type = contentType ?? '';
  if (format === 'binary' || (format === 'auto' && /^(image|audio|video)\/|octet-stream|application\/pdf/.test(type))) {
    return { binary: { mimeType: type || 'application/octet-stream', size: raw.byteLength, data: raw.toString('base64') } };
  }
  const text = raw.toString('utf8');
  if (format === 'text' || (format === 'auto' && !type.includes('json'))) return text;
  if (text.length === 0) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (format === 'json') throw new NodeError('HTTP_INVALID_JSON', 'The response is not valid JSON', { contentType: type });
    return text;
  }
}

/** Retry-After is seconds or an HTTP date; capped so a hostile server cannot park a run for a year. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 15 * 60_000) : undefined;
}

/** fetch wraps connector errors (TypeError -> cause -> cause); the guard's refusal may sit at any depth. */
function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = err; e !== undefined && chain.length < 10; e = e instanceof Error ? e.cause : undefined) chain.push(e);
  return chain;
}

function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? err.cause.message : err.message;
}

async function execute(_input: unknown, config: Config, context: NodeContext): Promise<HttpResponseOutput> {
  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    throw new NodeError('CONFIG_INVALID', `"${config.url}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new NodeError('CONFIG_INVALID', `Only http and https URLs are supported, not ${url.protocol}`);
  for (const [k, v] of Object.entries(config.query)) url.searchParams.append(k, v);
  const headers = new Headers(config.headers);
  // Stable across retries (a worker lost mid-request, a 5xx): an API that honours the header applies a write once.
  // A key the workflow set itself wins (Headers compares names without case).
  if (!SAFE_METHODS.has(config.method) && !headers.has('idempotency-key')) headers.set('idempotency-key', context.idempotencyKey);
  await applyAuth(url, headers, context);
  const body = requestBody(config, headers);

  const started = Date.now();
  let response: Response;
  try {
    response = await context.http.fetch(url, { method: config.method, headers, body: body ?? null, timeoutMs: config.timeoutMs });
  } catch (err) {
    if (context.signal.aborted) throw new NodeError('NODE_CANCELLED');
    const blocked = causeChain(err).find((e) => e instanceof SsrfError);
    if (blocked) throw new NodeError('HTTP_SSRF_BLOCKED', blocked.message);
    const redirect = causeChain(err).find((e) => e instanceof RedirectError);
    if (redirect) throw new NodeError(redirect.code, redirect.message);
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
      throw new NodeError('HTTP_TIMEOUT', `No response from ${url.host} within ${Math.min(config.timeoutMs, context.timeoutMs)} ms`);
    }
    throw new NodeError('HTTP_NETWORK', `Could not reach ${url.host}: ${messageOf(err)}`);
  }
  const raw = await readCapped(response, config.maxResponseBytes);
  const output: HttpResponseOutput = {
    status: response.status,
    headers: Object.fromEntries(response.headers.entries()),
    body: decodeBody(raw, response.headers.get('content-type'), config.responseFormat),
  };
  context.log.info(`${config.method} ${url.origin}${url.pathname} -> ${response.status}`, {
    durationMs: Date.now() - started,
    bytes: raw.byteLength,
  });
  if (response.ok) return output;
  const retryable = response.status === 429 || response.status >= 500;
  const after = retryable ? retryAfterMs(response.headers.get('retry-after')) : undefined;
  throw new NodeError(
    retryable ? 'HTTP_RETRYABLE_STATUS' : 'HTTP_STATUS',
    `${config.method} ${url.host}${url.pathname} answered ${response.status}`,
    { status: response.status, body: output.body },
    after !== undefined ? { retryAfterMs: after } : {},
  );
}

/** The host of the URL when its expressions cannot change it, read as the client will read it at run time. */
export function staticHost(url: string): string[] | undefined {
  const host = staticRequestHost(url);
  return host === undefined ? undefined : [host];
}

/** For an approval: where the request would go, without the query (it may carry keys). */
async function describe(_input: unknown, config: Config): Promise<{ summary: string; details: Record<string, unknown> }> {
  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    return {
      summary: `This will send a ${config.method} request to "${config.url}", which is not a valid URL`,
      details: { method: config.method },
    };
  }
  const body = config.bodyType === 'none' ? '' : ` with a ${config.bodyType} body`;
  return {
    summary: `This will send a ${config.method} request to ${url.host}${url.pathname}${body}.`,
    details: { method: config.method, host: url.host, path: url.pathname },
  };
}

export const httpRequest = defineNode({
  type: 'http.request',
  version: 1,
  displayName: 'HTTP Request',
  category: 'network',
  description: 'Calls any HTTP API and outputs its status, headers and body.',
  kind: 'activity',
  fields,
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [{ name: 'out', dataType: 'json' }],
  credentials: [{ slot: 'auth', types: HTTP_AUTH_TYPES, required: false }],
  // HttpResponseOutput: the body's shape is the remote API's, unknown here.
  outputShape: closedObject({ status: { type: 'integer' }, headers: { type: 'object', additionalProperties: STRING }, body: {} }),
  operations: (config) => (['GET', 'HEAD', 'OPTIONS'].includes(config.method) ? ['read', 'external_api'] : ['external_api']),
  hosts: (config) => staticHost(config.url),
  defaults: { timeoutMs: 60_000 },
  // A read bounded by a short timeout (its own or the node's) runs as a local activity. Only a read: a worker lost
  // mid-task runs again every local node since the run's last workflow task, and a write must not repeat for that.
  execution: (config, { timeoutMs }) => (SAFE_METHODS.has(config.method) ? localWithin(config.timeoutMs, timeoutMs) : 'activity'),
  execute,
  describe,
});
