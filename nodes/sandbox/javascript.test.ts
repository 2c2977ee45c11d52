// The JavaScript sandbox against what users, LLMs and attackers actually write; each escape must fail inside the
// isolate and leave this (host) process untouched.
import { afterAll, describe, expect, it } from 'vitest';
import { JavaScriptSandbox } from './javascript.js';
import type { SandboxResult } from './result.js';

const sandbox = new JavaScriptSandbox({ maxIsolates: 2 });
afterAll(() => sandbox.dispose());

const run = (code: string, input: unknown = {}, extra: { timeoutMs?: number; memoryLimitMb?: number } = {}) =>
  sandbox.run({ code, input, ...extra });
const output = async (code: string, input: unknown = {}) => {
  const result = await run(code, input);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.output;
};
const failure = (result: SandboxResult) => {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.output)}`);
  return result.error;
};

describe('code.javascript sandbox', () => {
  it('maps JSON input to JSON output and captures console lines with their level', async () => {
    const result = await run('console.log("n", input.items.length); console.warn({ a: 1 }); return input.items.map((x) => x * 2);', {
      items: [1, 2, 3],
    });
    expect(result).toMatchObject({ ok: true, output: [2, 4, 6] });
    expect(result.logs.map(({ level, message }) => ({ level, message }))).toEqual([
      { level: 'log', message: 'n 3' },
      { level: 'warn', message: '{"a":1}' },
    ]);
    expect(await output('return $json.a', { a: 'alias' })).toBe('alias');
    expect(await output('return await Promise.resolve(5) + 1')).toBe(6);
    expect(await output('/* no return */')).toBeNull();
  });

  it('serves a thousand warm calls on one 16 MB isolate: nothing of a finished call stays in its heap', async () => {
    const warm = new JavaScriptSandbox({ maxIsolates: 1, recycleAfterCalls: 10_000 });
    try {
      const input = { items: Array.from({ length: 100 }, (_, i) => ({ id: i, name: `item ${i}` })) };
      for (let i = 0; i < 1_000; i++) {
        const result = await warm.run({ code: 'return input.items.length', input, memoryLimitMb: 16 }, { owner: 'usr_warm' });
        if (!result.ok) throw new Error(`call ${i}: ${result.error.code}`);
      }
    } finally {
      warm.dispose();
    }
  }, 60_000);

  it('caps the number of log lines', async () => {
    const result = await run('for (let i = 0; i < 1000; i++) console.log(i); return 1');
    expect(result.logs).toHaveLength(201);
    expect(result.logs.at(-1)?.message).toMatch(/800 more log lines dropped/);
  });

  it('reports syntax errors and runtime errors with the user message and user line numbers', async () => {
    expect(failure(await run('return (')).code).toBe('CODE_SYNTAX_ERROR');
    const error = failure(await run('const a = 1;\nthrow new Error("boom at two")'));
    expect(error).toMatchObject({ code: 'CODE_RUNTIME_ERROR', message: expect.stringContaining('Error: boom at two') });
    expect(error.stack).toMatch(/user-code\.js:2:7/);
  });

  it('rejects outputs that are not JSON and outputs that are too large', async () => {
    for (const code of ['return () => 1', 'return { s: Symbol("x") }', 'const a = {}; a.self = a; return a', 'return 10n']) {
      expect(failure(await run(code)).code, code).toBe('CODE_OUTPUT_NOT_JSON');
    }
    expect(failure(await run('return "x".repeat(11 * 1024 * 1024)', {}, { memoryLimitMb: 128 })).code).toBe('CODE_OUTPUT_TOO_LARGE');
  });

  it('gives no way to the host: process, require, import, constructor chains', async () => {
    expect(await output('return [typeof process, typeof require, typeof setTimeout, typeof fetch, typeof WebAssembly]')).toEqual(
      Array(5).fill('undefined'),
    );
    expect(await output('return globalThis.constructor.constructor("return typeof process")()')).toBe('undefined');
    expect(await output('return this.constructor.constructor("return typeof process")()')).toBe('undefined');
    expect(await output('return console.log.constructor("return typeof require")()')).toBe('undefined');
    expect(failure(await run('return await import("fs")')).code).toBe('CODE_RUNTIME_ERROR');
  });

  it('keeps prototype pollution inside the call: neither the host nor the next call sees it', async () => {
    expect(
      await output('Object.prototype.polluted = 1; ({}).__proto__.x = 1; Array.prototype.map = null; globalThis.leak = 7; return 1'),
    ).toBe(1);
    const probe: Record<string, unknown> = {};
    expect(probe.polluted).toBeUndefined();
    expect(probe.x).toBeUndefined();
    expect(await output('return [({}).polluted, typeof globalThis.leak, [1].map((x) => x + 1)]')).toEqual([null, 'undefined', [2]]);
  });

  it('stops an infinite loop and a promise that never settles at about the limit', async () => {
    for (const code of ['while (true) {}', 'await null; while (true) {}', 'await new Promise(() => {})']) {
      const result = await run(code, {}, { timeoutMs: 300 });
      expect(failure(result).code, code).toBe('CODE_TIMEOUT');
      expect(result.durationMs).toBeLessThan(1_500);
    }
  });

  it('stops a memory bomb with CODE_MEMORY_LIMIT, and the next call succeeds', async () => {
    const bomb = await run('const a = []; while (true) a.push(new Array(1e6).fill(1));', {}, { memoryLimitMb: 16 });
    expect(failure(bomb).code).toBe('CODE_MEMORY_LIMIT');
    expect(await output('return 41 + 1')).toBe(42);
  });

  it('runs concurrent calls with separate results', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => run('globalThis.mine = input.i; await null; return [input.i, globalThis.mine]', { i })),
    );
    expect(results.map((r) => (r.ok ? r.output : r.error.code))).toEqual(Array.from({ length: 8 }, (_, i) => [i, i]));
  });

  it('cancels a running call through an AbortSignal and recovers', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await sandbox.run({ code: 'while (true) {}', input: {}, timeoutMs: 5_000 }, { signal: controller.signal });
    expect(failure(result).code).toBe('CODE_CANCELLED');
    expect(result.durationMs).toBeLessThan(1_000);
    expect(await output('return "after"')).toBe('after');
  });

  it('reports an input that is not JSON and an invalid request as typed errors', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(failure(await run('return 1', cyclic)).code).toBe('CODE_INPUT_NOT_JSON');
    expect(failure(await sandbox.run({ code: 'return 1', input: {}, timeoutMs: -1 })).code).toBe('CODE_INVALID_REQUEST');
  });
});
