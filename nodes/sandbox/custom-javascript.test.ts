// Execution of custom JavaScript nodes through the runtime's interface: a transpiled module, input and config in,
// the output or the node's error out, and a bridge function that records what the node asked of the host and answers
// as the host would (test/support/custom-nodes.ts). Extraction: custom-javascript-extract.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import type { CustomNodeBridge, CustomNodeCall, CustomNodeResult } from '../custom/protocol.js';
import { NodeError } from '../sdk/errors.js';
import { CustomJavaScriptSandbox } from './custom-javascript.js';
import { BRIDGE_LIMITS } from './custom-javascript-context.js';
import { TRELLO_NODE_SOURCE, recordingBridge, transpiled, type BridgeAnswer } from '../../test/support/custom-nodes.js';

const sandbox = new CustomJavaScriptSandbox({ maxIsolates: 2 });
afterAll(() => sandbox.dispose());
const OWNER = { owner: 'usr_custom' };

/** A node module whose execute is `body` (a function body of input, config, context). */
const nodeWith = (body: string, extra = '') =>
  `import { defineNode, NodeError } from '@loom/sdk';\n${extra}\nexport default defineNode({ type: 't', version: 1, async execute(input, config, context) {\n${body}\n} });\n`;

const meta = { runId: 'run_1', nodeId: 'card', attempt: 2, idempotencyKey: 'run_1:card:0', attachedSlots: ['trello'] };

async function run(
  body: string,
  options: { input?: unknown; config?: Record<string, unknown>; answer?: BridgeAnswer; timeoutMs?: number } = {},
) {
  const { calls, bridge } = recordingBridge(options.answer);
  const call: CustomNodeCall = {
    source: await transpiled(nodeWith(body)),
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
  (status: number): BridgeAnswer =>
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
  it('creates the card: the credential read through the bridge, the URL carries key and token as the host gets them', async () => {
    const { calls, bridge } = recordingBridge(trelloAnswer(200));
    const call: CustomNodeCall = {
      source: await transpiled(TRELLO_NODE_SOURCE, 'typescript'),
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
      source: await transpiled(TRELLO_NODE_SOURCE, 'typescript'),
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
    const refuse: BridgeAnswer = () => {
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
      { source: await transpiled(typed, 'typescript'), input: {}, config: {}, meta, timeoutMs: 3_000 },
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
    const source = await transpiled(nodeWith("if (input.wait) await context.http.fetch('https://api.example.com/'); else while (true) {}"));
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
        source: await transpiled(nodeWith('return input;')),
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

describe('custom JavaScript nodes: limits of the bridge', () => {
  it('forwards at most maxEmits log and progress calls and says how many it dropped', async () => {
    const { result, calls } = await run('for (let i = 0; i < 5000; i++) context.log.info("line " + i); return "done";');
    expect(output(result)).toBe('done');
    expect(calls).toHaveLength(BRIDGE_LIMITS.maxEmits);
    expect(calls.at(-1)).toEqual({ op: 'log', args: { level: 'info', message: `line ${BRIDGE_LIMITS.maxEmits - 1}` } });
    expect(result.logs.at(-1)?.message).toMatch(/4000 more context\.log and context\.progress calls dropped/);
  });
});
