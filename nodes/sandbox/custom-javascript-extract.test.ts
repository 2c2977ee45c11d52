// Extraction and transpilation of custom JavaScript nodes through their interface: source in, the declaration as JSON
// (or a problem with a sandbox code, a line and a column) out.
import { afterAll, describe, expect, it } from 'vitest';
import { TRELLO_NODE_SOURCE, transpiled } from '../../test/support/custom-nodes.js';
import { CustomJavaScriptSandbox } from './custom-javascript.js';
import { MAX_CUSTOM_SOURCE_BYTES, transpileCustomNode } from './custom-javascript-transpile.js';

const sandbox = new CustomJavaScriptSandbox({ maxIsolates: 1 });
afterAll(() => sandbox.dispose());
const OWNER = { owner: 'usr_custom' };

describe('custom JavaScript nodes: extraction of the README Trello node', () => {
  it('extracts the declaration of the TypeScript source as JSON, exactly', async () => {
    const extracted = await sandbox.extract(await transpiled(TRELLO_NODE_SOURCE, 'typescript'), OWNER);
    expect(extracted.ok).toBe(true);
    if (!extracted.ok) return;
    expect(extracted.declaration).toStrictEqual({
      node: {
        type: 'trello.create_card',
        version: 1,
        displayName: 'Trello: create card',
        description: 'Creates a card in a Trello list.',
        category: 'network',
        fields: {
          listId: { kind: 'string', label: 'List ID', required: true },
          name: { kind: 'string', label: 'Card title', required: true, placeholder: '{{ $json.subject }}' },
          description: { kind: 'string', label: 'Description', required: false },
        },
        inputs: [{ name: 'in', dataType: 'any' }],
        outputs: [{ name: 'out', dataType: 'json' }],
        credentials: [{ slot: 'trello', types: ['trelloApi'], required: true }],
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
          description: 'API key and token from trello.com/app-key.',
          fields: {
            apiKey: { kind: 'string', label: 'API key', required: true },
            token: { kind: 'string', label: 'Token', required: true, secret: true },
          },
          apply: null,
        },
      ],
    });
  });
});

describe('custom JavaScript nodes: extraction', () => {
  const extract = async (source: string) => sandbox.extract(await transpiled(source), OWNER);
  const declared = async (source: string) => {
    const result = await extract(source);
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
    return result.declaration as { node: Record<string, unknown>; credentialTypes: unknown[] };
  };

  it('shapes every field kind with its options, and drops keys outside the shape', async () => {
    const { node, credentialTypes } = await declared(`import { defineNode, defineCredentialType, field } from '@loom/sdk';
      export const apiKey = defineCredentialType({ type: 'k', displayName: 'K', description: 'd', fields: { key: field.string({ label: 'Key', secret: true }) },
        apply: { kind: 'header', name: 'X-Key', value: '{{ key }}' }, test() {} });
      export const notACredential = { type: 'fake' };
      export default defineNode({
        type: 'demo.all', version: 2, displayName: 'All', description: 'Every kind', kind: 'activity', secretSauce: 1,
        fields: {
          s: field.string({ label: 'S', default: 'x', help: 'h', placeholder: 'p', colour: 'red' }),
          n: field.number({ label: 'N', min: 1, max: 9, int: true, default: 3 }),
          b: field.boolean({ label: 'B', default: false }),
          sel: field.select(['a', { value: 'b', label: 'Bee' }], { label: 'Sel', required: true }),
          multi: field.multiselect(['x', 'y'], { label: 'Multi' }),
          j: field.json({ label: 'J', default: { deep: [1] } }),
          c: field.code({ label: 'C', language: 'sql' }),
          e: field.expression({ label: 'E' }),
        },
        defaults: { timeoutMs: 15000, retry: { maximumAttempts: 2 } },
        operations: (config) => (config.b === false && config.n === 3 ? ['external_api', 'read'] : ['wrong']),
        hosts: () => { throw new Error('not known'); },
        async execute() {}, async describe() { return { summary: '' }; },
      });`);
    expect(node).toStrictEqual({
      type: 'demo.all',
      version: 2,
      displayName: 'All',
      description: 'Every kind',
      category: null,
      fields: {
        s: { kind: 'string', label: 'S', required: false, default: 'x', help: 'h', placeholder: 'p' },
        n: { kind: 'number', label: 'N', required: false, default: 3, min: 1, max: 9, int: true },
        b: { kind: 'boolean', label: 'B', required: false, default: false },
        sel: {
          kind: 'select',
          label: 'Sel',
          required: true,
          options: [
            { value: 'a', label: 'a' },
            { value: 'b', label: 'Bee' },
          ],
        },
        multi: {
          kind: 'multiselect',
          label: 'Multi',
          required: false,
          options: [
            { value: 'x', label: 'x' },
            { value: 'y', label: 'y' },
          ],
        },
        j: { kind: 'json', label: 'J', required: false, default: { deep: [1] } },
        c: { kind: 'code', label: 'C', required: false, language: 'sql' },
        e: { kind: 'expression', label: 'E', required: false },
      },
      inputs: null,
      outputs: null,
      credentials: null,
      operations: ['external_api', 'read'],
      hosts: null,
      timeoutMs: 15000,
      hasExecute: true,
      hasDescribe: true,
    });
    expect(credentialTypes).toStrictEqual([
      {
        type: 'k',
        displayName: 'K',
        description: 'd',
        fields: { key: { kind: 'string', label: 'Key', required: false, secret: true } },
        apply: { kind: 'header', name: 'X-Key', value: '{{ key }}' },
      },
    ]);
  });

  it('answers null for operations and hosts that are not lists of strings', async () => {
    const { node } = await declared(`import { defineNode } from '@loom/sdk';
      export default defineNode({ type: 't', version: 1, operations: ['read', 1], hosts: async () => ['a.example'] });`);
    expect([node.operations, node.hosts, node.hasExecute]).toEqual([null, null, false]);
  });

  it('fails with a sandbox code for a default export that is not a node, a throw, a syntax or an import error', async () => {
    const cases: [string, string][] = [
      ['export default { type: "looks.like.a.node", version: 1, execute() {} };', 'CODE_INVALID_REQUEST'],
      ['export const x = 1;', 'CODE_INVALID_REQUEST'],
      [
        'import { defineNode } from "@loom/sdk";\nconst ready = false;\nif (!ready) throw new Error("not at load");\nexport default defineNode({});',
        'CODE_RUNTIME_ERROR',
      ],
      ['throw "a string";', 'CODE_RUNTIME_ERROR'],
      ['import fs from "fs";\nexport default fs;', 'CODE_SYNTAX_ERROR'],
      ['import { execSync } from "node:child_process";\nexport default execSync;', 'CODE_SYNTAX_ERROR'],
      [
        'import { defineNode } from "@loom/sdk";\nexport default defineNode({ fields: { f: { default: () => 1 } } });',
        'CODE_OUTPUT_NOT_JSON',
      ],
      [
        'import { defineNode, field } from "@loom/sdk";\nexport default defineNode({ description: "x".repeat(300 * 1024) });',
        'CODE_OUTPUT_TOO_LARGE',
      ],
    ];
    for (const [source, code] of cases) {
      const result = await extract(source);
      expect(result.ok, source).toBe(false);
      if (!result.ok) expect(result.error.code, source).toBe(code);
    }
    // Lines are the author's: esbuild reprints the module (the blank line goes), its source map brings them back.
    const thrown = await extract(
      'import { defineNode } from "@loom/sdk";\n\nthrow new TypeError("bad setup");\nexport default defineNode({});',
    );
    expect(thrown).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('TypeError: bad setup'), stack: '    at custom-node.js:3:7' },
    });
    const syntax = await sandbox.extract('export default (;', OWNER);
    expect(syntax).toMatchObject({ ok: false, error: { code: 'CODE_SYNTAX_ERROR' } });
    // The transpiler refuses top-level await; a module that has one anyway is not waited for: its default export
    // is still uninitialised when it is read.
    const pending = await sandbox.extract('export default await new Promise(() => {});', OWNER);
    expect(pending).toMatchObject({ ok: false, error: { code: 'CODE_RUNTIME_ERROR' } });
  });

  it('bounds the time extraction takes', async () => {
    const started = performance.now();
    const result = await extract(`import { defineNode } from '@loom/sdk';
      export default defineNode({ type: 't', version: 1, operations: () => { while (true) {} } });`);
    expect(result).toMatchObject({ ok: false, error: { code: 'CODE_TIMEOUT' } });
    expect(performance.now() - started).toBeLessThan(4_000);
  });
});

describe('custom node sources', () => {
  it('transpiles TypeScript, and answers problems with line and column instead of throwing', async () => {
    expect(await transpiled('const n: number = 1;\nexport default n;', 'typescript')).toContain('const n = 1;');
    const result = await transpileCustomNode('const a = 1;\nconst b: number = ;\n', 'typescript');
    expect(result).toMatchObject({ ok: false, error: { code: 'CODE_SYNTAX_ERROR' }, problems: [{ line: 2, column: 19 }] });
    const js = await transpileCustomNode('const a: number = 1;', 'javascript');
    expect(js).toMatchObject({ ok: false, problems: [{ line: 1, column: 8 }] });
    const topLevelAwait = await transpileCustomNode('const ready = 1;\nexport default await Promise.resolve(ready);', 'javascript');
    expect(topLevelAwait).toMatchObject({ ok: false, error: { code: 'CODE_SYNTAX_ERROR' }, problems: [{ line: 2, column: 16 }] });
  });

  it('refuses a source over 256 KB without parsing it', async () => {
    const result = await transpileCustomNode(`// ${'x'.repeat(MAX_CUSTOM_SOURCE_BYTES)}`, 'javascript');
    expect(result).toMatchObject({ ok: false, error: { code: 'CODE_INVALID_REQUEST' }, problems: [] });
  });
});
