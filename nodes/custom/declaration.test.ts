// A declaration as the sandbox hands it back: validated, namespaced, and turned into the same config schema, slots and
// operations a built-in node has.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import { BUILTIN_NODES, createNodeRegistry } from '../registry.js';
import { toNodeTypeInfo } from '../sdk/node.js';
import { parseDeclaration, type Declaration } from './declaration.js';
import { customNodeDefinition, type CustomNodeRunner } from './definition.js';
import { codeHashOf, namespaceOf, namespaced } from './registry.js';

const TRELLO = {
  node: {
    type: 'trello.create_card',
    version: 1,
    displayName: 'Trello: create card',
    description: 'Creates a card.',
    category: 'network',
    fields: {
      listId: { kind: 'string', label: 'List ID', required: true },
      mode: {
        kind: 'select',
        label: 'Mode',
        required: false,
        default: 'top',
        options: [
          { value: 'top', label: 'Top' },
          { value: 'bottom', label: 'Bottom' },
        ],
      },
      count: { kind: 'number', label: 'Count', required: false, min: 1, max: 5, int: true },
    },
    inputs: null,
    outputs: null,
    credentials: [{ slot: 'trello', types: ['trelloApi', 'httpBearer'], required: true }],
    operations: ['external_api'],
    hosts: ['api.trello.com'],
    timeoutMs: null,
    hasExecute: true,
    hasDescribe: false,
  },
  credentialTypes: [
    {
      type: 'trelloApi',
      displayName: 'Trello',
      description: '',
      fields: {
        apiKey: { kind: 'string', label: 'API key', required: true },
        token: { kind: 'string', label: 'Token', required: true, secret: true },
      },
      apply: { kind: 'query', params: { key: '{{apiKey}}', token: '{{token}}' } },
    },
  ],
};

const never: CustomNodeRunner = () => Promise.reject(new Error('not run here'));

function valid(raw: unknown): Declaration {
  const parsed = parseDeclaration(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.declaration;
}

describe('parseDeclaration', () => {
  it('accepts the Trello declaration', () => {
    expect(valid(TRELLO).node.fields.listId).toMatchObject({ kind: 'string', required: true });
  });

  it('reports each problem with its path', () => {
    const bad = {
      node: {
        ...TRELLO.node,
        type: '../../etc',
        fields: { 'bad name': { kind: 'string', label: 'x' }, sel: { kind: 'select', label: 'S' } },
        operations: ['rm_rf'],
        hasExecute: false,
      },
      credentialTypes: [{ ...TRELLO.credentialTypes[0], apply: { kind: 'query', params: { key: '{{nope}}' } } }],
    };
    const parsed = parseDeclaration(bad);
    expect(parsed.ok).toBe(false);
    const paths = parsed.ok ? [] : parsed.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining(['node.type', 'node.fields.bad name', 'node.fields.sel.options', 'node.operations.0', 'node.hasExecute']),
    );
  });

  it('checks what fields cannot say: apply templates name fields, slots and types are unique', () => {
    const parsed = parseDeclaration({
      ...TRELLO,
      node: { ...TRELLO.node, credentials: [TRELLO.node.credentials[0], TRELLO.node.credentials[0]] },
      credentialTypes: [{ ...TRELLO.credentialTypes[0], apply: { kind: 'bearer', token: '{{secret}}' } }, TRELLO.credentialTypes[0]],
    });
    expect(parsed.ok ? [] : parsed.issues.map((i) => i.message)).toEqual([
      'apply uses {{secret}}, which is not a field of "trelloApi"',
      'credential type "trelloApi" is declared twice',
      'slot "trello" is declared twice',
    ]);
  });

  it('bounds how much one declaration may hold', () => {
    const fields = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`f${i}`, { kind: 'string', label: 'x' }]));
    expect(parseDeclaration({ ...TRELLO, node: { ...TRELLO.node, fields } }).ok).toBe(false);
    expect(parseDeclaration({ ...TRELLO, node: { ...TRELLO.node, description: 'x'.repeat(10_000) } }).ok).toBe(false);
  });
});

describe('namespaced', () => {
  it("puts the node, its own credential types and the slots naming them in the owner's namespace", () => {
    const d = namespaced(valid(TRELLO), 'usr_owner');
    const ns = `custom.${namespaceOf('usr_owner')}.`;
    expect(d.node.type).toBe(`${ns}trello.create_card`);
    expect(d.credentialTypes[0]?.type).toBe(`${ns}trelloApi`);
    expect(d.node.credentials?.[0]?.types).toEqual([`${ns}trelloApi`, 'httpBearer']);
    expect(namespaceOf('usr_owner')).not.toBe(namespaceOf('usr_other'));
  });
});

describe('customNodeDefinition', () => {
  const definition = customNodeDefinition(
    {
      type: 'custom.u1.trello.create_card',
      version: 3,
      language: 'javascript',
      code: 'x',
      codeHash: codeHashOf('x'),
      declaration: valid(TRELLO),
    },
    never,
  );

  it('validates config exactly as a built-in node would', () => {
    expect(definition.configSchema.safeParse({ listId: 'L1' }).data).toEqual({ listId: 'L1', mode: 'top' });
    expect(definition.configSchema.safeParse({ listId: 'L1', mode: 'sideways' }).success).toBe(false);
    expect(definition.configSchema.safeParse({ listId: 'L1', count: 9 }).success).toBe(false);
    expect(definition.configSchema.safeParse({ listId: 'L1', count: '{{ $json.n }}' }).success).toBe(true);
    expect(definition.configSchema.safeParse({ listId: 'L1', extra: 1 }).success).toBe(false);
    expect(definition.configSchema.safeParse({}).success).toBe(false);
  });

  it('tells the compiler its hash, hosts and operations; the strictest when undeclared', () => {
    const info = toNodeTypeInfo(definition);
    expect(info).toMatchObject({ type: 'custom.u1.trello.create_card', version: 3, kind: 'activity', codeHash: codeHashOf('x') });
    expect(info.operations({})).toEqual(['external_api']);
    expect(info.hosts?.({})).toEqual(['api.trello.com']);
    const bare = customNodeDefinition(
      {
        type: 'custom.u1.bare',
        version: 1,
        language: 'python',
        code: 'y',
        codeHash: codeHashOf('y'),
        declaration: valid({ node: { type: 'bare', displayName: 'Bare', hasExecute: true } }),
        disabled: true,
      },
      never,
    );
    const bareInfo = toNodeTypeInfo(bare);
    expect(bareInfo.operations({})).toEqual(['undeclared']);
    expect(bareInfo.hosts?.({})).toEqual([]);
    expect(bareInfo.unavailable).toBe('its owner disabled');
    expect(bareInfo.outputs({})).toEqual([{ name: 'out', dataType: 'json' }]);
    // Operations said, hosts left out: still the strictest policy (an explicit [] would say "none").
    const hostless = customNodeDefinition(
      {
        type: 'custom.u1.hostless',
        version: 1,
        language: 'javascript',
        code: 'h',
        codeHash: codeHashOf('h'),
        declaration: valid({ node: { type: 'hostless', displayName: 'Hostless', operations: ['read'], hasExecute: true } }),
      },
      never,
    );
    expect(toNodeTypeInfo(hostless).operations({})).toEqual(['read', 'undeclared']);
  });
});

describe('in a plan', () => {
  const version = (disabled: boolean, operations: string[] | null) =>
    customNodeDefinition(
      {
        type: 'custom.u1.echo',
        version: 2,
        language: 'javascript',
        code: 'z',
        codeHash: codeHashOf('z'),
        declaration: valid({ node: { type: 'echo', displayName: 'Echo', operations, hosts: [], hasExecute: true } }),
        ...(disabled ? { disabled } : {}),
      },
      never,
    );
  const document = {
    nodes: [
      { id: 'start', type: 'trigger.manual' },
      { id: 'e', type: 'custom.u1.echo' },
    ],
    edges: [{ id: 'x', source: 'start', target: 'e' }],
  };
  const compileWith = (d: ReturnType<typeof version>) =>
    compile(document, { catalog: createNodeRegistry({ nodes: [...BUILTIN_NODES, d] }).catalog, credentials: [] });

  it('records the version and its code hash, and asks first when the node declared no operations', () => {
    const declared = compileWith(version(false, ['pure']));
    const node = declared.plan?.nodes.find((n) => n.id === 'e');
    expect(node).toMatchObject({ type: 'custom.u1.echo', typeVersion: 2, codeHash: codeHashOf('z') });
    expect(node?.settings?.requiresApproval ?? declared.plan?.nodeDefaults.requiresApproval).toBe(false);
    const undeclared = compileWith(version(false, null)).plan?.nodes.find((n) => n.id === 'e');
    expect(undeclared?.settings?.requiresApproval).toBe(true);
    expect(compileWith(version(false, ['pure'])).plan?.nodes.find((n) => n.id === 'start')).not.toHaveProperty('codeHash');
  });

  it('refuses a disabled type with its own diagnostic', () => {
    expect(compileWith(version(true, ['pure'])).errors.map((e) => [e.code, e.nodeId])).toEqual([['NODE_TYPE_DISABLED', 'e']]);
  });
});
