// The host side of a custom node's bridge: every capability the node has, each request checked here, since the guest
// that sends it is hostile. HTTP goes through the node's guarded client (SSRF, timeouts) and only to the hosts the node
// declared; a credential is opened only for a slot the node declared, and Loom can put it on a request itself (the
// credential type's `apply`), so the code can use a credential it never reads. Answers are plain JSON.
import { z } from 'zod';
import { hostAllowed, requestHost } from '../../compiler/request-host.js';
import { NodeError } from '../sdk/errors.js';
import type { NodeContext } from '../sdk/node.js';
import { fillTemplate, type CredentialApply } from './declaration.js';
import type { BridgeOp, CustomNodeBridge } from './protocol.js';

export const BRIDGE_LIMITS = {
  requestBodyBytes: 5 * 1024 * 1024,
  responseBodyBytes: 10 * 1024 * 1024,
  /** Log and progress calls per execution; past it they are dropped, with one warning. */
  logCalls: 500,
  logMessageChars: 4_000,
} as const;

export interface BridgeSpec {
  /** Hosts the node declared (entries as an allowlist's: `*.example.com` covers subdomains); empty: none. */
  hosts: readonly string[];
  /** Slots the node declared. */
  slots: readonly string[];
  /** How a credential of a type is put on a request (custom types' `apply`, and the HTTP built-ins). */
  applyOf(credentialType: string): CredentialApply | undefined;
}

/** The HTTP credential types every node may use, applied as http.request applies them. */
export const BUILTIN_APPLY: Record<string, CredentialApply> = {
  httpBearer: { kind: 'bearer', token: '{{token}}' },
  httpBasic: { kind: 'basic', username: '{{username}}', password: '{{password}}' },
};

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const Slot = z.string().min(1).max(64);

const ARGS = {
  'http.fetch': z
    .object({
      url: z.string().min(1).max(8_192),
      method: z
        .string()
        .transform((m) => m.toUpperCase())
        .pipe(z.enum(METHODS))
        .optional(),
      headers: z
        .record(z.string().min(1).max(200), z.string().max(8_192))
        .refine((h) => Object.keys(h).length <= 100, 'at most 100 headers')
        .optional(),
      body: z.string().max(BRIDGE_LIMITS.requestBodyBytes).optional(),
      credential: Slot.optional(),
      timeoutMs: z.number().int().min(1).max(600_000).optional(),
    })
    .strict(),
  'credentials.get': z.object({ slot: Slot }).strict(),
  log: z
    .object({
      level: z.enum(['info', 'warn', 'error']),
      message: z.string().transform((m) => m.slice(0, BRIDGE_LIMITS.logMessageChars)),
      data: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
  progress: z
    .object({
      message: z.string().transform((m) => m.slice(0, BRIDGE_LIMITS.logMessageChars)),
      fraction: z.number().min(0).max(1).optional(),
    })
    .strict(),
  'knowledge.search': z
    .object({
      knowledgeBaseId: z.string().min(1).max(100),
      query: z.string().min(1).max(10_000),
      topK: z.number().int().min(1).max(50).default(5),
      sourceIds: z.array(z.string().max(100)).max(100).optional(),
    })
    .strict(),
  'files.read': z.object({ fileId: z.string().min(1).max(100) }).strict(),
} satisfies Record<BridgeOp, z.ZodType>;

type Args<Op extends BridgeOp> = z.output<(typeof ARGS)[Op]>;

export function createBridge(context: NodeContext, spec: BridgeSpec): CustomNodeBridge {
  let logCalls = 0;
  const handlers: { [Op in BridgeOp]: (args: Args<Op>) => Promise<unknown> } = {
    'http.fetch': (args) => fetchFor(context, spec, args),
    'credentials.get': async ({ slot }) => {
      declaredSlot(spec, slot);
      return context.credentials.get(slot);
    },
    log: async ({ level, message, data }) => {
      if (++logCalls === BRIDGE_LIMITS.logCalls + 1) context.log.warn(`further log lines dropped (limit ${BRIDGE_LIMITS.logCalls})`);
      if (logCalls <= BRIDGE_LIMITS.logCalls) context.log[level](message, data);
      return null;
    },
    progress: async ({ message, fraction }) => {
      if (++logCalls <= BRIDGE_LIMITS.logCalls) context.progress(message, fraction);
      return null;
    },
    'knowledge.search': async ({ knowledgeBaseId, query, topK, sourceIds }) => {
      if (!context.knowledge) throw new NodeError('KNOWLEDGE_UNAVAILABLE');
      return context.knowledge.search(knowledgeBaseId, query, { topK, ...(sourceIds ? { sourceIds } : {}) });
    },
    'files.read': async ({ fileId }) => {
      if (!context.files) throw new NodeError('FILES_UNAVAILABLE');
      return context.files.read(fileId);
    },
  };
  return async (op, raw) => {
    if (!Object.hasOwn(ARGS, op)) throw new NodeError('CUSTOM_BRIDGE_INVALID', `No bridge operation "${String(op)}"`);
    const parsed = ARGS[op].safeParse(raw);
    if (!parsed.success)
      throw new NodeError(
        'CUSTOM_BRIDGE_INVALID',
        `${op}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ')}`,
      );
    return (handlers[op] as (args: unknown) => Promise<unknown>)(parsed.data);
  };
}

function declaredSlot(spec: BridgeSpec, slot: string): void {
  if (!spec.slots.includes(slot)) throw new NodeError('CUSTOM_UNDECLARED', `The node declared no credential slot "${slot}"`);
}

async function fetchFor(context: NodeContext, spec: BridgeSpec, args: Args<'http.fetch'>) {
  let url: URL;
  try {
    url = new URL(args.url);
  } catch {
    throw new NodeError('CUSTOM_BRIDGE_INVALID', `http.fetch: "${args.url.slice(0, 200)}" is not a URL`);
  }
  const host = requestHost(url);
  if (host === undefined || !hostAllowed(host, spec.hosts))
    throw new NodeError('CUSTOM_UNDECLARED', `The node did not declare the host ${host ?? url.protocol} among its hosts`, { host });
  const headers = new Headers(args.headers);
  if (args.credential !== undefined) await applyCredential(context, spec, args.credential, url, headers);
  // Redirects come back to the node rather than being followed here: a hop to another host must meet the declared
  // hosts too, and the node's next fetch is where that is checked.
  const response = await context.http.fetch(url, {
    method: args.method ?? 'GET',
    headers,
    redirect: 'manual',
    ...(args.body !== undefined && args.method !== 'GET' && args.method !== 'HEAD' ? { body: args.body } : {}),
    ...(args.timeoutMs !== undefined ? { timeoutMs: args.timeoutMs } : {}),
  });
  return {
    status: response.status,
    statusText: response.statusText,
    url: response.url || url.href,
    headers: Object.fromEntries(response.headers),
    body: await readText(response),
  };
}

async function applyCredential(context: NodeContext, spec: BridgeSpec, slot: string, url: URL, headers: Headers): Promise<void> {
  declaredSlot(spec, slot);
  const { type, values } = await context.credentials.get(slot);
  const apply = spec.applyOf(type);
  if (!apply) throw new NodeError('CUSTOM_UNDECLARED', `Credentials of type ${type} say nothing of how to apply them to a request`);
  switch (apply.kind) {
    case 'header':
      headers.set(apply.name, fillTemplate(apply.value, values));
      return;
    case 'bearer':
      headers.set('authorization', `Bearer ${fillTemplate(apply.token, values)}`);
      return;
    case 'basic': {
      const pair = `${fillTemplate(apply.username, values)}:${fillTemplate(apply.password, values)}`;
      headers.set('authorization', `Basic ${Buffer.from(pair).toString('base64')}`);
      return;
    }
    case 'query':
      for (const [name, template] of Object.entries(apply.params)) url.searchParams.set(name, fillTemplate(template, values));
      return;
  }
}

/** The body as text, read no further than the limit. */
async function readText(response: Response): Promise<string> {
  if (!response.body) return '';
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > BRIDGE_LIMITS.responseBodyBytes) {
      throw new NodeError('HTTP_RESPONSE_TOO_LARGE', `The response exceeds the ${BRIDGE_LIMITS.responseBodyBytes}-byte limit`, {
        limit: BRIDGE_LIMITS.responseBodyBytes,
      });
    }
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}
