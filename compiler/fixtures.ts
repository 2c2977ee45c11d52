// A small catalog for the compiler's own tests: node types as plain data, with every handle and credential shape
// the checks care about. (Real node definitions are tested against the compiler in nodes/ and the gateway.)
import { z } from 'zod';
import { createCatalog, type CompileContext, type NodeTypeInfo } from './catalog.js';

const json = (name: string) => ({ name, dataType: 'json' as const });
const base = { credentials: [], operations: () => ['pure'] };

export const fixtureTypes: NodeTypeInfo[] = [
  {
    ...base,
    type: 'trigger.manual',
    version: 1,
    kind: 'trigger',
    inputs: [],
    outputs: () => [json('out')],
    configSchema: z.object({}).strict(),
  },
  {
    ...base,
    type: 'flow.noop',
    version: 1,
    kind: 'pure',
    inputs: [{ name: 'in', dataType: 'any' }],
    outputs: () => [json('out')],
    configSchema: z.object({}).strict(),
  },
  {
    ...base,
    type: 'logic.if',
    version: 1,
    kind: 'pure',
    inputs: [{ name: 'in', dataType: 'any' }],
    outputs: () => [json('true'), json('false')],
    configSchema: z.object({ value: z.unknown().optional() }).strict(),
  },
  {
    ...base,
    type: 'logic.switch',
    version: 1,
    kind: 'pure',
    inputs: [{ name: 'in', dataType: 'any' }],
    outputs: (config) => [...(config.rules as { key: string }[]).map((r) => json(r.key)), json('default')],
    configSchema: z.object({ rules: z.array(z.object({ key: z.string() })).min(1) }).strict(),
  },
  {
    type: 'http.request',
    version: 1,
    kind: 'activity',
    inputs: [{ name: 'in', dataType: 'any' }],
    outputs: () => [json('out')],
    credentials: [{ slot: 'auth', types: ['httpBearer', 'httpBasic'], required: false }],
    configSchema: z
      .object({
        url: z.string().min(1),
        method: z.enum(['GET', 'POST', 'DELETE']).default('GET'),
        timeout: z.number().int().positive().optional(),
      })
      .strict(),
    operations: (config) => (config.method === 'GET' ? ['read', 'external_api'] : ['external_api']),
    // A literal URL names its host; one with an expression is only known at run time.
    hosts: (config) => (String(config.url).includes('{{') ? undefined : [new URL(String(config.url)).hostname]),
    defaults: { timeoutMs: 30_000 },
  },
  {
    type: 'db.write',
    version: 1,
    kind: 'activity',
    inputs: [{ name: 'in', dataType: 'json' }],
    outputs: () => [json('out')],
    credentials: [{ slot: 'db', types: ['postgres'], required: true }],
    configSchema: z.object({ sql: z.string().min(1) }).strict(),
    operations: () => ['database_write'],
  },
  {
    ...base,
    type: 'text.upper',
    version: 1,
    kind: 'pure',
    inputs: [{ name: 'in', dataType: 'text' }],
    outputs: () => [{ name: 'out', dataType: 'text' }],
    configSchema: z.object({}).strict(),
  },
  {
    ...base,
    type: 'file.read',
    version: 1,
    kind: 'activity',
    inputs: [{ name: 'in', dataType: 'any' }],
    outputs: () => [{ name: 'out', dataType: 'binary' }],
    configSchema: z.object({}).strict(),
  },
  {
    ...base,
    type: 'file.read',
    version: 2,
    kind: 'activity',
    inputs: [{ name: 'in', dataType: 'any' }],
    outputs: () => [{ name: 'out', dataType: 'binary' }],
    configSchema: z.object({ path: z.string() }).strict(),
  },
];

export const fixtureContext: CompileContext = {
  catalog: createCatalog(fixtureTypes),
  credentials: [
    { id: 'cred_bearer', type: 'httpBearer' },
    { id: 'cred_pg', type: 'postgres' },
  ],
};

/** A valid start: manual trigger -> fetch. Tests add what they check. */
export function baseDocument() {
  return {
    name: 'Test',
    nodes: [
      { id: 'start', type: 'trigger.manual', name: 'Start', config: {} },
      { id: 'fetch', type: 'http.request', name: 'Fetch', config: { url: 'https://api.example.com' } },
    ] as Record<string, unknown>[],
    edges: [{ id: 'e1', source: 'start', target: 'fetch' }] as Record<string, unknown>[],
  };
}
