// The JavaScript runtime of custom nodes through its interface: source in (transpiled here), declaration or result
// out, and a bridge function that records what the node asked of the host and answers as the host would.
import { afterAll, describe, expect, it } from 'vitest';
import type { BridgeOp, CustomNodeBridge, CustomNodeCall, CustomNodeResult } from '../custom/protocol.js';
import { NodeError } from '../sdk/errors.js';
import { CustomJavaScriptSandbox } from './custom-javascript.js';
import { BRIDGE_LIMITS } from './custom-javascript-context.js';
import { MAX_CUSTOM_SOURCE_BYTES, transpileCustomNode, type CustomNodeLanguage } from './custom-javascript-transpile.js';

const sandbox = new CustomJavaScriptSandbox({ maxIsolates: 2 });
afterAll(() => sandbox.dispose());
const OWNER = { owner: 'usr_custom' };

// The README's Trello node ("Adding a node"), unchanged but for its import and its default export.
const TRELLO = `import { defineCredentialType, defineNode, field, NodeError } from '@loom/sdk';

export const trelloApi = defineCredentialType({
  type: 'trelloApi',
  displayName: 'Trello',
  description: 'API key and token from trello.com/app-key.',
  fields: {
    apiKey: field.string({ label: 'API key', required: true }),
    token: field.string({ label: 'Token', required: true, secret: true }),
  },
});

export const trelloCreateCard = defineNode({
  type: 'trello.create_card',
  version: 1,
  displayName: 'Trello: create card',
  category: 'network',
  description: 'Creates a card in a Trello list.',
  kind: 'activity',                       // side effects run as a Temporal activity
  fields: {
    listId: field.string({ label: 'List ID', required: true }),
    name: field.string({ label: 'Card title', required: true, placeholder: '{{ $json.subject }}' }),
    description: field.string({ label: 'Description' }),
  },
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [{ name: 'out', dataType: 'json' }],
  credentials: [{ slot: 'trello', types: ['trelloApi'], required: true }],
  operations: () => ['external_api'],     // the approval policy reads this
  hosts: () => ['api.trello.com'],        // checked against a workflow's allowedHosts
  async execute(_input, config, context) {
    // config is typed from the fields, with {{ }} expressions already resolved.
    const { values } = await context.credentials.get('trello');
    const url = new URL('https://api.trello.com/1/cards');
    url.search = new URLSearchParams({ idList: config.listId, name: config.name, desc: config.description ?? '', key: values.apiKey ?? '', token: values.token ?? '' }).toString();
    const res = await context.http.fetch(url, { method: 'POST' }); // timeout, cancellation and SSRF guard included
    if (!res.ok) throw new NodeError(res.status === 429 || res.status >= 500 ? 'HTTP_RETRYABLE_STATUS' : 'HTTP_STATUS', \`Trello answered \${res.status}\`, { status: res.status });
    const card = (await res.json()) as { id: string; shortUrl: string };
    return { id: card.id, url: card.shortUrl };
  },
});

export default trelloCreateCard;
`;

async function compiled(source: string, language: CustomNodeLanguage = 'javascript'): Promise<string> {
  const result = await transpileCustomNode(source, language);
  if (!result.ok) throw new Error(`${result.error.message} ${JSON.stringify(result.problems)}`);
  return result.code;
}

/** A node module whose execute is `body` (a function body of input, config, context). */
const nodeWith = (body: string, extra = '') =>
  `import { defineNode, NodeError } from '@loom/sdk';\n${extra}\nexport default defineNode({ type: 't', version: 1, async execute(input, config, context) {\n${body}\n} });\n`;

type Answer = (op: BridgeOp, args: unknown) => unknown;

/** A host bridge that records every request and answers with `answer` (which may throw a NodeError). */
function recordingBridge(answer: Answer = () => null) {
  const calls: { op: BridgeOp; args: unknown }[] = [];
  const bridge = async (op: BridgeOp, args: unknown) => {
    calls.push({ op, args });
    return answer(op, args);
  };
  return { calls, bridge };
}

const meta = { runId: 'run_1', nodeId: 'card', attempt: 2, idempotencyKey: 'run_1:card:0', attachedSlots: ['trello'] };

async function run(body: string, options: { input?: unknown; config?: Record<string, unknown>; answer?: Answer; timeoutMs?: number } = {}) {
  const { calls, bridge } = recordingBridge(options.answer);
  const call: CustomNodeCall = {
    source: await compiled(nodeWith(body)),
    input: options.input ?? {},
    config: options.config ?? {},
    meta,
    timeoutMs: options.timeoutMs ?? 3_000,
  };
  return { result: await sandbox.run(call, bridge, OWNER), calls };
}

function output(result: CustomNodeResult): unknown {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.output;
}

function failure(result: CustomNodeResult) {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.output)}`);
  return result;
}

const trelloAnswer =
  (status: number): Answer =>
  (op, args) => {
    if (op === 'credentials.get') return { type: 'trelloApi', values: { apiKey: 'KEY-1', token: 'TOKEN/2+=' } };
    if (op === 'http.fetch') {
      const { url } = args as { url: string };
      const body =
        status === 200 ? JSON.stringify({ id: 'card_9', shortUrl: 'https://trello.com/c/card_9', name: 'ignored' }) : 'slow down';
      return {
        status,
        statusText: status === 200 ? 'OK' : 'Too Many Requests',
        url,
        headers: { 'Content-Type': 'application/json' },
        body,
      };
    }
    throw new NodeError('CONFIG_INVALID', `unexpected ${op}`);
  };

describe('custom JavaScript nodes: the README Trello node', () => {
  it('extracts the declaration of the TypeScript source as JSON, exactly', async () => {
    const extracted = await sandbox.extract(await compiled(TRELLO, 'typescript'), OWNER);
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

  it('creates the card: the credential read through the bridge, the URL carries key and token as the host gets them', async () => {
    const { calls, bridge } = recordingBridge(trelloAnswer(200));
    const call: CustomNodeCall = {
      source: await compiled(TRELLO, 'typescript'),
      input: { subject: 'Invoice' },
      config: { listId: 'list_1', name: 'Pay invoice #12 & co' },
      meta,
      timeoutMs: 3_000,
    };
    const result = await sandbox.run(call, bridge, OWNER);
    expect(output(result)).toEqual({ id: 'card_9', url: 'https://trello.com/c/card_9' });
    expect(calls).toEqual([
      { op: 'credentials.get', args: { slot: 'trello' } },
      {
        op: 'http.fetch',
        args: {
          url: 'https://api.trello.com/1/cards?idList=list_1&name=Pay+invoice+%2312+%26+co&desc=&key=KEY-1&token=TOKEN%2F2%2B%3D',
          method: 'POST',
        },
      },
    ]);
    const sent = new URL((calls[1]?.args as { url: string }).url);
    expect(Object.fromEntries(sent.searchParams)).toEqual({
      idList: 'list_1',
      name: 'Pay invoice #12 & co',
      desc: '',
      key: 'KEY-1',
      token: 'TOKEN/2+=',
    });
  });

  it("answers the node's NodeError as nodeError, with its code, message and details", async () => {
    const { calls, bridge } = recordingBridge(trelloAnswer(429));
    const call: CustomNodeCall = {
      source: await compiled(TRELLO, 'typescript'),
      input: {},
      config: { listId: 'l', name: 'n' },
      meta,
      timeoutMs: 3_000,
    };
    const result = failure(await sandbox.run(call, bridge, OWNER));
    expect(result.error.code).toBe('CODE_RUNTIME_ERROR');
    expect(result.error.message).toContain('HTTP_RETRYABLE_STATUS: Trello answered 429');
    expect(result.nodeError).toEqual({ code: 'HTTP_RETRYABLE_STATUS', message: 'Trello answered 429', details: { status: 429 } });
    expect(calls).toHaveLength(2);
  });
});

describe('custom JavaScript nodes: execution', () => {
  it('gives execute its input, config and context (ids, attempt, idempotency key, attached slots)', async () => {
    const { result } = await run(
      'return { input, config, ids: [context.runId, context.nodeId, context.attempt, context.idempotencyKey], has: [context.credentials.has("trello"), context.credentials.has("other")], self: this.type };',
      { input: { a: [1, 2] }, config: { n: 3 } },
    );
    expect(output(result)).toEqual({
      input: { a: [1, 2] },
      config: { n: 3 },
      ids: ['run_1', 'card', 2, 'run_1:card:0'],
      has: [true, false],
      self: 't',
    });
  });

  it('sends log and progress to the bridge in order, console lines to the logs', async () => {
    const { result, calls } = await run(
      'context.log.info("start", { n: 1 }); console.log("debug", { x: 1 }); context.progress("half", 0.5); context.log.warn("careful"); context.log.error("bad", () => 1); context.progress("done"); return 1;',
    );
    expect(output(result)).toBe(1);
    expect(calls).toEqual([
      { op: 'log', args: { level: 'info', message: 'start', data: { n: 1 } } },
      { op: 'progress', args: { message: 'half', fraction: 0.5 } },
      { op: 'log', args: { level: 'warn', message: 'careful' } },
      { op: 'log', args: { level: 'error', message: 'bad' } },
      { op: 'progress', args: { message: 'done' } },
    ]);
    expect(result.logs.map(({ level, message }) => ({ level, message }))).toEqual([{ level: 'log', message: 'debug {"x":1}' }]);
  });

  it('sends fetch options, knowledge and file requests in the shapes the host expects', async () => {
    const { result, calls } = await run(
      `const form = new URLSearchParams({ q: 'a b' });
       await context.http.fetch('https://api.example.com/x', { method: 'PUT', headers: { 'X-A': 'b' }, body: form, credential: 'trello', timeoutMs: 500 });
       await context.http.fetch('https://api.example.com/y', { headers: [['Content-Type', 'text/plain']], body: new URL('https://a.example/p?q=1') });
       await context.knowledge.search('kb_1', 'invoices', { topK: 3, sourceIds: ['s1', 's2'] });
       await context.knowledge.search('kb_1', 'all');
       await context.files.read('file_1');
       return 'ok';`,
      { answer: (op) => (op === 'http.fetch' ? { status: 204, statusText: '', url: '', headers: {}, body: '' } : []) },
    );
    expect(output(result)).toBe('ok');
    expect(calls).toEqual([
      {
        op: 'http.fetch',
        args: {
          url: 'https://api.example.com/x',
          method: 'PUT',
          headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', 'X-A': 'b' },
          body: 'q=a+b',
          credential: 'trello',
          timeoutMs: 500,
        },
      },
      {
        op: 'http.fetch',
        args: { url: 'https://api.example.com/y', headers: { 'Content-Type': 'text/plain' }, body: 'https://a.example/p?q=1' },
      },
      { op: 'knowledge.search', args: { knowledgeBaseId: 'kb_1', query: 'invoices', topK: 3, sourceIds: ['s1', 's2'] } },
      { op: 'knowledge.search', args: { knowledgeBaseId: 'kb_1', query: 'all' } },
      { op: 'files.read', args: { fileId: 'file_1' } },
    ]);
  });

  it('wraps the fetch answer in a Response-like object', async () => {
    const { result } = await run(
      `const res = await context.http.fetch('https://api.example.com/');
       const seen = []; res.headers.forEach((v, k) => seen.push(k + '=' + v));
       let invalid; try { await (await context.http.fetch('https://api.example.com/bad')).json(); } catch (e) { invalid = [e instanceof NodeError, e.code]; }
       return { ok: res.ok, status: res.status, statusText: res.statusText, url: res.url, type: res.headers.get('CONTENT-TYPE'), has: res.headers.has('x-none'),
                missing: res.headers.get('x-none'), seen, entries: [...res.headers.entries()].length, text: await res.text(), json: await res.json(), invalid };`,
      {
        answer: (_op, args) => ({
          status: 201,
          statusText: 'Created',
          url: (args as { url: string }).url,
          headers: { 'Content-Type': 'application/json', 'X-Id': '7' },
          body: (args as { url: string }).url.endsWith('bad') ? '{oops' : '{"id":7}',
        }),
      },
    );
    expect(output(result)).toEqual({
      ok: true,
      status: 201,
      statusText: 'Created',
      url: 'https://api.example.com/',
      type: 'application/json',
      has: false,
      missing: null,
      seen: ['content-type=application/json', 'x-id=7'],
      entries: 2,
      text: '{"id":7}',
      json: { id: 7 },
      invalid: [true, 'HTTP_INVALID_JSON'],
    });
  });

  it('refuses a plain object body with a clear TypeError, before anything reaches the host', async () => {
    const { result, calls } = await run("await context.http.fetch('https://api.example.com/', { method: 'POST', body: { a: 1 } });");
    expect(failure(result).error.message).toMatch(
      /TypeError: context\.http\.fetch: the body must be a string \(JSON\.stringify an object first\)/,
    );
    expect(calls).toEqual([]);
  });

  it('hands a bridge refusal to the node as a NodeError it may catch; uncaught, it is the nodeError', async () => {
    const refuse: Answer = () => {
      throw new NodeError('HTTP_SSRF_BLOCKED', 'Requests to 10.0.0.1 are not allowed', { host: '10.0.0.1' });
    };
    const caught = await run(
      "try { await context.http.fetch('http://10.0.0.1/'); } catch (e) { return [e instanceof NodeError, e instanceof Error, e.code, e.message, e.retryable, e.details]; }",
      { answer: refuse },
    );
    expect(output(caught.result)).toEqual([
      true,
      true,
      'HTTP_SSRF_BLOCKED',
      'Requests to 10.0.0.1 are not allowed',
      false,
      { host: '10.0.0.1' },
    ]);
    const uncaught = failure((await run("await context.http.fetch('http://10.0.0.1/');", { answer: refuse })).result);
    expect(uncaught.nodeError).toEqual({
      code: 'HTTP_SSRF_BLOCKED',
      message: 'Requests to 10.0.0.1 are not allowed',
      retryable: false,
      details: { host: '10.0.0.1' },
    });
  });

  it('reports other throws as CODE_RUNTIME_ERROR with frames of the node file only, in its lines, and no nodeError', async () => {
    const result = failure((await run('const a = 1;\nthrow new RangeError("boom " + a);')).result);
    expect(result.error).toMatchObject({ code: 'CODE_RUNTIME_ERROR', message: expect.stringContaining('RangeError: boom 1') });
    // nodeWith() puts the body on the fourth line of the module.
    expect(result.error.stack).toMatch(/^ {4}at Object\.execute \(custom-node\.js:5:7\)$/m);
    const typed = `import { defineNode } from '@loom/sdk';\n\ninterface Card {\n  id: string;\n}\n\nexport default defineNode({\n  type: 't',\n  version: 1,\n  async execute(input: Card) {\n    // a comment esbuild drops\n    return (input as unknown as { missing: { id: string } }).missing.id;\n  },\n});\n`;
    const { bridge } = recordingBridge();
    const typedResult = await sandbox.run(
      { source: await compiled(typed, 'typescript'), input: {}, config: {}, meta, timeoutMs: 3_000 },
      bridge,
      OWNER,
    );
    expect(failure(typedResult).error.stack).toMatch(/^ {4}at Object\.execute \(custom-node\.ts:12:\d+\)$/m);
    expect(result.error.stack).not.toMatch(/loom-guest|loom-sdk|node_modules|\/work\//);
    expect(result.nodeError).toBeUndefined();
    const retryable = failure((await run("throw new NodeError('UPSTREAM_BUSY', 'try later', undefined, { retryable: true });")).result);
    expect(retryable.nodeError).toEqual({ code: 'UPSTREAM_BUSY', message: 'try later', retryable: true });
  });

  it('refuses outputs that are not JSON or too large, as code.javascript does', async () => {
    for (const body of ['return () => 1', 'return { s: Symbol("x") }', 'const a = {}; a.self = a; return a', 'return 10n']) {
      expect(failure((await run(body)).result).error.code, body).toBe('CODE_OUTPUT_NOT_JSON');
    }
    const big = failure((await run('return "x".repeat(11 * 1024 * 1024)')).result);
    expect(big.error.code).toBe('CODE_OUTPUT_TOO_LARGE');
  });

  it('checks the call itself and its input', async () => {
    const { bridge } = recordingBridge();
    const bad = await sandbox.run({ source: 'x', input: {}, config: {}, meta: { ...meta, attempt: 0 }, timeoutMs: 1_000 }, bridge, OWNER);
    expect(failure(bad).error).toMatchObject({ code: 'CODE_INVALID_REQUEST', message: expect.stringContaining('meta.attempt') });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const notJson = await sandbox.run({ source: 'x', input: cyclic, config: {}, meta, timeoutMs: 1_000 }, bridge, OWNER);
    expect(failure(notJson).error.code).toBe('CODE_INPUT_NOT_JSON');
  });

  it('stops at the signal: before the call, while it computes, while it waits on the bridge; the next call works', async () => {
    const source = await compiled(nodeWith("if (input.wait) await context.http.fetch('https://api.example.com/'); else while (true) {}"));
    const call = (input: unknown): CustomNodeCall => ({ source, input, config: {}, meta, timeoutMs: 10_000 });
    const never: CustomNodeBridge = () => new Promise(() => {});
    const aborted = AbortSignal.abort();
    expect(failure(await sandbox.run(call({}), never, { ...OWNER, signal: aborted })).error.code).toBe('CODE_CANCELLED');
    for (const input of [{ wait: false }, { wait: true }]) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = performance.now();
      const result = await sandbox.run(call(input), never, { ...OWNER, signal: controller.signal });
      expect(failure(result).error.code).toBe('CODE_CANCELLED');
      expect(performance.now() - started).toBeLessThan(2_000);
    }
    const { result } = await run('return "after";');
    expect(output(result)).toBe('after');
  });

  it('serves a thousand warm calls on one isolate without filling its heap', async () => {
    const small = new CustomJavaScriptSandbox({ maxIsolates: 1, recycleAfterCalls: 10_000 });
    try {
      const { bridge } = recordingBridge();
      const echo: CustomNodeCall = {
        source: await compiled(nodeWith('return input;')),
        input: { n: 1 },
        config: {},
        meta,
        timeoutMs: 5_000,
        memoryLimitMb: 16,
      };
      for (let i = 0; i < 1_000; i++) {
        const result = await small.run(echo, bridge, OWNER);
        if (!result.ok) throw new Error(`call ${i}: ${result.error.code} ${result.error.message}`);
      }
    } finally {
      small.dispose();
    }
  }, 60_000);
});

describe('custom JavaScript nodes: extraction', () => {
  const extract = async (source: string) => sandbox.extract(await compiled(source), OWNER);
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
    expect(await compiled('const n: number = 1;\nexport default n;', 'typescript')).toContain('const n = 1;');
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

describe('custom JavaScript nodes: limits of the bridge', () => {
  it('forwards at most maxEmits log and progress calls and says how many it dropped', async () => {
    const { result, calls } = await run('for (let i = 0; i < 5000; i++) context.log.info("line " + i); return "done";');
    expect(output(result)).toBe('done');
    expect(calls).toHaveLength(BRIDGE_LIMITS.maxEmits);
    expect(calls.at(-1)).toEqual({ op: 'log', args: { level: 'info', message: `line ${BRIDGE_LIMITS.maxEmits - 1}` } });
    expect(result.logs.at(-1)?.message).toMatch(/4000 more context\.log and context\.progress calls dropped/);
  });
});
