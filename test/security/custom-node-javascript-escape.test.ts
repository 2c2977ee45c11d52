// Issue #17, proof: the escape suite of JavaScript custom nodes. A node's code is hostile: it looks for the host's
// realm through every object the runtime hands it (the node, the context and its bridge wrappers, a bridge error, a
// Response), imports what it may not, reads the environment, exhausts time and memory, floods the bridge and
// pollutes the prototypes the bridge is built from. Each attempt must fail inside the sandbox, the host bridge must
// receive only well-formed requests, and the next call (of this owner or another) must be served on a clean context.
import { afterAll, describe, expect, it } from 'vitest';
import type { BridgeOp, CustomNodeBridge, CustomNodeCall, CustomNodeResult } from '../../nodes/custom/protocol.js';
import { CustomJavaScriptSandbox } from '../../nodes/sandbox/custom-javascript.js';
import { BRIDGE_LIMITS } from '../../nodes/sandbox/custom-javascript-context.js';
import { NodeError } from '../../nodes/sdk/errors.js';
import { transpiled } from '../support/custom-nodes.js';
import { A, B, SECRET, ok } from '../support/tenants.js';

// One isolate at most: two owners are as close as the pool ever lets them be.
const sandbox = new CustomJavaScriptSandbox({ maxIsolates: 1 });
afterAll(() => sandbox.dispose());

const meta = { runId: 'run_x', nodeId: 'n', attempt: 1, idempotencyKey: 'run_x:n:0', attachedSlots: ['trello'] };

function module(body: string, topLevel = ''): Promise<string> {
  return transpiled(
    `import { defineNode, NodeError } from '@loom/sdk';\n${topLevel}\nexport default defineNode({ type: 'evil', version: 1, async execute(input, config, context) {\n${body}\n} });\n`,
  );
}

type Recorded = { op: BridgeOp; args: unknown }[];

/** The host bridge: answers as the real one would, records every request it received. */
function hostBridge(answer?: (op: BridgeOp, args: unknown) => unknown): { bridge: CustomNodeBridge; calls: Recorded } {
  const calls: Recorded = [];
  const bridge: CustomNodeBridge = async (op, args) => {
    calls.push({ op, args });
    if (answer) return answer(op, args);
    if (op === 'credentials.get') return { type: 'trelloApi', values: { token: 'tok' } };
    if (op === 'http.fetch')
      return { status: 200, statusText: 'OK', url: 'https://api.example.com/', headers: { 'x-a': '1' }, body: '{"a":1}' };
    return [];
  };
  return { bridge, calls };
}

async function run(
  body: string,
  owner: { owner: string } = A,
  options: { topLevel?: string; input?: unknown; bridge?: CustomNodeBridge; timeoutMs?: number; memoryLimitMb?: number } = {},
): Promise<CustomNodeResult> {
  const call: CustomNodeCall = {
    source: await module(body, options.topLevel),
    input: options.input ?? {},
    config: {},
    meta,
    timeoutMs: options.timeoutMs ?? 3_000,
    ...(options.memoryLimitMb ? { memoryLimitMb: options.memoryLimitMb } : {}),
  };
  return sandbox.run(call, options.bridge ?? hostBridge().bridge, owner);
}

const failed = (result: CustomNodeResult) => {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.output)}`);
  return result.error.code;
};

// What the victim's call computes: its input echoed, and what a polluted context would show.
const VICTIM = `console.log('sees', input.secret);
  return { echo: input.secret, doubled: input.items.map((x) => x * 2), clean: [typeof ({}).toJSON, typeof [].toJSON, ({}).slot ?? null,
    JSON.stringify({ a: [1] }), typeof globalThis.loot, typeof globalThis.__loomHost, typeof globalThis.__loomSdk] };`;
const victimInput = { secret: SECRET, items: [1, 2, 3] };
const CLEAN = {
  echo: SECRET,
  doubled: [2, 4, 6],
  clean: ['undefined', 'undefined', null, '{"a":[1]}', 'undefined', 'undefined', 'undefined'],
};

describe('JavaScript custom nodes: escapes', () => {
  it('reaches no host realm through the node, the context, its bridge wrappers, a bridge error or a Response', async () => {
    const hostFailure = hostBridge((op) => {
      if (op === 'credentials.get') throw new Error(`host detail: ${process.cwd()} ${SECRET}`);
      if (op === 'files.read') throw new NodeError('FILE_NOT_FOUND', 'no such file');
      return { status: 200, statusText: 'OK', url: 'https://api.example.com/', headers: {}, body: '{}' };
    });
    const result = await run(
      `const probe = (f) => { try { return f('return typeof process + typeof require + typeof globalThis.process')(); } catch (e) { return 'threw ' + e.name; } };
       const out = {};
       out.node = probe(this.constructor.constructor);
       out.log = probe(context.log.info.constructor);
       out.has = probe(context.credentials.has.constructor);
       out.fetch = await probe(context.http.fetch.constructor);
       out.proto = probe(Object.getPrototypeOf(context).constructor.constructor);
       try { await context.credentials.get('trello'); } catch (e) {
         out.hostError = [e.code, e.message, probe(e.constructor.constructor), /\\/work|node_modules|\\.ts:|${SECRET}/.test(String(e.stack) + e.message)];
       }
       try { await context.files.read('f'); } catch (e) { out.nodeError = [e.code, e.message, e instanceof NodeError, /\\.ts:|node_modules/.test(String(e.stack))]; }
       const res = await context.http.fetch('https://api.example.com/');
       out.response = [await probe(res.json.constructor), probe(res.headers.get.constructor), probe(Object.getPrototypeOf(res).constructor.constructor)];
       // Structured stack frames hand out functions only of sloppy code; everything the runtime made is strict.
       Error.prepareStackTrace = (e, frames) => frames.map((f) => typeof f.getFunction());
       try { await context.credentials.get(42); } catch (e) { out.frames = [...new Set(e.stack)]; }
       try { await context.http.fetch('https://a.example', { body: {} }); } catch (e) { out.refusedFrames = [...new Set(e.stack)]; }
       out.globals = Object.getOwnPropertyNames(globalThis).filter((n) => /loom|ivm|host|sdk|bridge/i.test(n));
       out.absent = [typeof process, typeof require, typeof module, typeof fetch, typeof WebSocket, typeof XMLHttpRequest, typeof setTimeout,
         typeof setInterval, typeof setImmediate, typeof WebAssembly, typeof SharedArrayBuffer, typeof Atomics.wait, typeof WeakRef, typeof Buffer];
       try { await import('node:fs'); out.dynamicImport = 'imported'; } catch (e) { out.dynamicImport = 'refused'; }
       return out;`,
      A,
      { bridge: hostFailure.bridge },
    );
    const none = 'undefinedundefinedundefined';
    expect(ok(result)).toEqual({
      node: none,
      log: none,
      has: none,
      fetch: none,
      proto: none,
      hostError: ['CODE_SANDBOX_FAILED', 'The sandbox itself failed', none, false],
      nodeError: ['FILE_NOT_FOUND', 'no such file', true, false],
      response: [none, none, none],
      frames: ['undefined'],
      refusedFrames: ['undefined'],
      globals: [],
      absent: Array(14).fill('undefined'),
      dynamicImport: 'refused',
    });
  });

  it('refuses static imports of anything but @loom/sdk, when extracting and when running', async () => {
    for (const specifier of ['fs', 'node:fs', 'node:child_process', 'child_process', './local.js', 'https://evil.example/x.js']) {
      const source = `import * as m from ${JSON.stringify(specifier)};\nimport { defineNode } from '@loom/sdk';\nexport default defineNode({ type: 't', version: 1, async execute() { return Object.keys(m); } });`;
      const code = await transpiled(source);
      const extracted = await sandbox.extract(code, A);
      expect(extracted, specifier).toMatchObject({
        ok: false,
        error: { code: 'CODE_SYNTAX_ERROR', message: expect.stringContaining(specifier) },
      });
      const ran = await sandbox.run({ source: code, input: {}, config: {}, meta, timeoutMs: 1_000 }, hostBridge().bridge, A);
      expect(failed(ran), specifier).toBe('CODE_SYNTAX_ERROR');
    }
  });

  it('stops loops, promises that never settle and a bridge that never answers at the time limit; the next call works', async () => {
    let release: (() => void) | undefined;
    const hanging: CustomNodeBridge = (op) =>
      op === 'http.fetch'
        ? new Promise((resolve) => (release = () => resolve({ status: 200, headers: {}, body: '', url: '', statusText: '' })))
        : Promise.resolve(null);
    const attacks: { body: string; topLevel?: string; bridge?: CustomNodeBridge; expected: string }[] = [
      { body: 'while (true) {}', expected: 'CODE_TIMEOUT' },
      { body: 'await new Promise(() => {});', expected: 'CODE_TIMEOUT' },
      { body: "await context.http.fetch('https://api.example.com/slow');", bridge: hanging, expected: 'CODE_TIMEOUT' },
      { body: 'for (;;) { try { while (true) {} } catch {} }', expected: 'CODE_TIMEOUT' },
      { body: 'const p = () => Promise.resolve().then(p); p(); await new Promise(() => {});', expected: 'CODE_TIMEOUT' },
      { body: 'return 1;', topLevel: 'while (true) {}', expected: 'CODE_TIMEOUT' },
      { body: 'const f = (n) => f(n + 1); return f(0);', expected: 'CODE_RUNTIME_ERROR' },
    ];
    for (const attack of attacks) {
      const started = performance.now();
      const result = await run(attack.body, A, { topLevel: attack.topLevel, bridge: attack.bridge, timeoutMs: 400 });
      expect(failed(result), attack.body).toBe(attack.expected);
      expect(performance.now() - started, attack.body).toBeLessThan(2_500);
      expect(ok(await run(VICTIM, B, { input: victimInput })), attack.body).toEqual(CLEAN);
    }
    // The abandoned fetch answers now: nothing is delivered into the disposed isolate, nothing breaks.
    release?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ok(await run(VICTIM, A, { input: victimInput }))).toEqual(CLEAN);
  }, 60_000);

  it('discards an isolate whose heap is exhausted, at load or in execute; the next call works', async () => {
    // A generous time limit, so the memory limit is what stops each bomb even on a loaded machine.
    const bombs: { body: string; topLevel?: string }[] = [
      { body: 'const a = []; while (true) a.push(new Array(1e6).fill(1));' },
      { body: 'return 1;', topLevel: 'const hoard = []; while (true) hoard.push("x".repeat(1e6) + Math.random());' },
      { body: 'let s = "x"; while (true) s = s + s;' },
    ];
    for (const bomb of bombs) {
      const result = await run(bomb.body, A, { topLevel: bomb.topLevel, memoryLimitMb: 32, timeoutMs: 20_000 });
      expect(['CODE_MEMORY_LIMIT', 'CODE_RUNTIME_ERROR'], bomb.body).toContain(failed(result));
      expect(ok(await run(VICTIM, A, { input: victimInput })), bomb.body).toEqual(CLEAN);
    }
    const plain = await run('const a = []; while (true) a.push(new Array(1e6).fill(1));', A, { memoryLimitMb: 32, timeoutMs: 20_000 });
    expect(failed(plain)).toBe('CODE_MEMORY_LIMIT');
  }, 120_000);

  it('keeps prototype pollution from the bridge: the host receives well-formed requests, and the next call is clean', async () => {
    const { bridge, calls } = hostBridge();
    const result = await run(
      `Object.prototype.toJSON = function () { return 'altered'; };
       Array.prototype.toJSON = function () { return 'altered'; };
       Object.defineProperty(Object.prototype, 'slot', { get() { return 'altered'; }, set() {}, configurable: true });
       Object.defineProperty(Object.prototype, 'url', { get() { return 'https://evil.example/'; }, set() {}, configurable: true });
       Object.defineProperty(Array.prototype, '0', { get() { return 'altered'; }, set() {}, configurable: true });
       const stringify = JSON.stringify;
       JSON.stringify = () => '{"op":"altered"}';
       JSON.parse = () => ({ status: 200, altered: true });
       Array.prototype.map = () => ['altered'];
       Array.prototype[Symbol.iterator] = function* () { yield 'altered'; };
       String.prototype.toLowerCase = () => 'altered';
       Reflect.apply = () => 'altered';
       Reflect.ownKeys = () => ['altered'];
       Function.prototype.call = () => 'altered';
       const then = Promise.prototype.then;
       Promise.prototype.then = function (...args) { return then.apply(this, args); };
       globalThis.loot = 'a';
       // Its own bookkeeping in strings: the arrays of this context are as spoiled as it made them.
       let refused = '';
       const patches = [() => { context.http.fetch = async () => 'fake'; }, () => { context.credentials.get = null; }, () => { context.log.info = null; }];
       for (let i = 0; i < patches.length; i++) {
         try { patches[i](); refused += 'patched,'; } catch (e) { refused += e.name + ','; }
       }
       await context.credentials.get('trello');
       const res = await context.http.fetch('https://api.example.com/p', { method: 'POST', headers: { 'X-A': 'b' }, body: 'x' });
       await context.knowledge.search('kb_1', 'q', { topK: 2, sourceIds: ['s1', 's2'] });
       context.log.info('m', { d: 1 });
       context.progress('half', 0.5);
       return refused + ' ' + res.status + ' ' + (res.headers.get('X-A') === '1');`,
      A,
      { bridge },
    );
    expect(ok(result)).toBe('TypeError,TypeError,TypeError, 200 true');
    expect(calls).toEqual([
      { op: 'credentials.get', args: { slot: 'trello' } },
      { op: 'http.fetch', args: { url: 'https://api.example.com/p', method: 'POST', headers: { 'X-A': 'b' }, body: 'x' } },
      { op: 'knowledge.search', args: { knowledgeBaseId: 'kb_1', query: 'q', topK: 2, sourceIds: ['s1', 's2'] } },
      { op: 'log', args: { level: 'info', message: 'm', data: 'altered' } },
      { op: 'progress', args: { message: 'half', fraction: 0.5 } },
    ]);
    // The host's realm never saw any of it.
    const probe: Record<string, unknown> = {};
    expect([
      probe.toJSON,
      probe.slot,
      (Array.prototype as unknown as Record<string, unknown>).toJSON,
      JSON.stringify({ a: [1] }),
      [1].map((x) => x + 1),
    ]).toEqual([undefined, undefined, undefined, '{"a":[1]}', [2]]);
    for (const owner of [A, B]) expect(ok(await run(VICTIM, owner, { input: victimInput }))).toEqual(CLEAN);
  });

  it("never lets owner A's globals, prototypes or logs reach owner B's call, nor A's next call", async () => {
    const plant = `globalThis.loot = [];
      Object.defineProperty(Object.prototype, 'secret', { set(v) { globalThis.loot.push(v); }, get() { return 'altered'; }, configurable: true });
      Object.prototype.toJSON = function () { return 'altered'; };
      try { console.log = () => {}; } catch { globalThis.loot.push('console is frozen'); }
      Symbol.for('loom.loot');
      return 'planted';`;
    const harvest = 'return [typeof globalThis.loot, ({}).secret ?? null, typeof ({}).toJSON].join(",");';
    for (const victim of [B, A]) {
      expect(ok(await run(plant, A))).toBe('planted');
      const result = await run(VICTIM, victim, { input: victimInput });
      expect(ok(result)).toEqual(CLEAN);
      expect(result.logs.map((l) => l.message)).toEqual([`sees ${SECRET}`]);
      expect(ok(await run(harvest, A))).toBe('undefined,,undefined');
    }
  });
});

describe('JavaScript custom nodes: bridge floods and sizes', () => {
  it('bounds a flood of a million log calls: at most maxEmits reach the host, fast', async () => {
    const { bridge, calls } = hostBridge();
    const started = performance.now();
    const result = await run('for (let i = 0; i < 1e6; i++) context.log.info("flood " + i); return "survived";', A, {
      bridge,
      timeoutMs: 10_000,
    });
    expect(ok(result)).toBe('survived');
    expect(calls).toHaveLength(BRIDGE_LIMITS.maxEmits);
    expect(result.logs.at(-1)?.message).toContain(`${1e6 - BRIDGE_LIMITS.maxEmits} more context.log`);
    expect(performance.now() - started).toBeLessThan(5_000);
  }, 20_000);

  it('bounds awaited bridge calls at once and in all', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow: CustomNodeBridge = async () => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 200));
      inFlight--;
      return { type: 't', values: {} };
    };
    const burst = await run(
      `const settled = await Promise.allSettled(Array.from({ length: 200 }, () => context.credentials.get('trello')));
       return settled.reduce((n, s) => { const key = s.status === 'fulfilled' ? 'ok' : s.reason.code; n[key] = (n[key] ?? 0) + 1; return n; }, {});`,
      A,
      { bridge: slow },
    );
    // The host's event loop runs between the guest's sends, so a few early calls may already be done: the bound is
    // on the peak, and most of the burst is refused.
    const counts = ok(burst) as { ok: number; CODE_INVALID_REQUEST: number };
    expect(counts.ok + counts.CODE_INVALID_REQUEST).toBe(200);
    expect(counts.CODE_INVALID_REQUEST).toBeGreaterThan(100);
    expect(peak).toBeLessThanOrEqual(BRIDGE_LIMITS.maxInFlight);

    const { bridge, calls } = hostBridge(() => null);
    const total = await run(
      `let i = 0;
       try { for (;;) { await context.files.read('f'); i++; } } catch (e) { return [i, e.code]; }`,
      A,
      { bridge, timeoutMs: 20_000 },
    );
    expect(ok(total)).toEqual([BRIDGE_LIMITS.maxCalls, 'CODE_INVALID_REQUEST']);
    expect(calls).toHaveLength(BRIDGE_LIMITS.maxCalls);
  }, 30_000);

  it('refuses huge requests before they reach the host, and huge answers before they reach the guest', async () => {
    const { bridge, calls } = hostBridge((op) =>
      op === 'http.fetch' ? { status: 200, statusText: 'OK', url: '', headers: {}, body: 'y'.repeat(BRIDGE_LIMITS.maxAnswerChars) } : null,
    );
    const result = await run(
      `const out = [];
       try { await context.http.fetch('https://api.example.com/', { method: 'POST', body: 'x'.repeat(${BRIDGE_LIMITS.maxArgsChars}) }); } catch (e) { out.push(e.code); }
       try { await context.http.fetch('https://api.example.com/'); } catch (e) { out.push(e.code); }
       return out;`,
      A,
      { bridge, memoryLimitMb: 128, timeoutMs: 10_000 },
    );
    expect(ok(result)).toEqual(['CODE_INVALID_REQUEST', 'CODE_INVALID_REQUEST']);
    expect(calls.map((c) => c.op)).toEqual(['http.fetch']);
    expect((calls[0]?.args as { url: string }).url).toBe('https://api.example.com/');
  }, 30_000);
});
