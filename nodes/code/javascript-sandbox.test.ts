// The JavaScript sandbox against what users and attackers actually write.
import { afterAll, describe, expect, it } from 'vitest';
import { disposeJavaScriptSandbox, runJavaScript } from './javascript-sandbox.js';

afterAll(() => disposeJavaScriptSandbox());

const ok = async (code: string, input: unknown = {}) => {
  const result = await runJavaScript({ code, input });
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result;
};
const fails = async (code: string, options: { timeoutMs?: number; memoryLimitMb?: number } = {}) => {
  const result = await runJavaScript({ code, input: {}, ...options });
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.output)}`);
  return result.error;
};

describe('code.javascript sandbox', () => {
  it('runs code over JSON input and returns JSON; console output is captured', async () => {
    const result = await ok('console.log("items", input.items.length); console.warn({ n: 1 }); return input.items.map((x) => x * 2);', { items: [1, 2, 3] });
    expect(result.output).toEqual([2, 4, 6]);
    expect(result.logs).toEqual([{ level: 'log', message: 'items 3' }, { level: 'warn', message: '{"n":1}' }]);
    expect((await ok('return $json.a', { a: 'alias' })).output).toBe('alias');
    expect((await ok('const r = await Promise.resolve(5); return r + 1')).output).toBe(6);
    expect((await ok('/* no return */')).output).toBeNull();
  });

  it('reports syntax and runtime errors with the user line', async () => {
    expect(await fails('return (')).toMatchObject({ code: 'CODE_SYNTAX_ERROR' });
    const runtime = await fails('const a = 1;\nthrow new Error("boom at two")');
    expect(runtime.code).toBe('CODE_RUNTIME_ERROR');
    expect(runtime.message).toContain('boom at two');
    expect(runtime.message).toContain('user-code.js:2');
  });

  it('gives no way out to the host', async () => {
    expect((await ok('return typeof process + "/" + typeof require + "/" + typeof fetch + "/" + typeof setTimeout')).output).toBe('undefined/undefined/undefined/undefined');
    expect((await ok('try { return typeof globalThis.constructor.constructor("return process")() } catch (e) { return "threw" }')).output).toMatch(/undefined|threw/);
    expect((await ok('try { return typeof this.constructor.constructor("return this.process")() } catch (e) { return "threw" }')).output).toMatch(/undefined|threw/);
    expect(await fails('return await import("fs")')).toMatchObject({ code: expect.stringMatching(/CODE_RUNTIME_ERROR|CODE_SYNTAX_ERROR/) });
    expect((await ok('try { return __log.deref() } catch (e) { return "no host function" }')).output).toBe('no host function');
  });

  it('cannot pollute the host prototypes, nor leak state to the next call', async () => {
    await ok('Object.prototype.polluted = "yes"; ({}).__proto__.alsoPolluted = 1; globalThis.leak = 42; return 1');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).alsoPolluted).toBeUndefined();
    expect((await ok('return [typeof globalThis.leak, ({}).polluted === undefined]')).output).toEqual(['undefined', true]);
  });

  it('stops an infinite loop at the time limit, and the next call works', async () => {
    const started = Date.now();
    expect(await fails('while (true) {}', { timeoutMs: 300 })).toMatchObject({ code: 'CODE_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await fails('await new Promise(() => {})', { timeoutMs: 300 })).toMatchObject({ code: 'CODE_TIMEOUT' });
    expect((await ok('return "alive"')).output).toBe('alive');
  });

  it('contains a memory bomb, and the next call works', async () => {
    const error = await fails('const a = []; while (true) a.push(new Array(1e6).fill(Math.random()));', { memoryLimitMb: 32, timeoutMs: 20_000 });
    expect(error.code).toBe('CODE_MEMORY_LIMIT');
    expect((await ok('return "recovered"')).output).toBe('recovered');
  });

  it('refuses output that is not JSON', async () => {
    expect(await fails('const a = {}; a.self = a; return a')).toMatchObject({ code: 'CODE_OUTPUT_NOT_JSON' });
    expect(await fails('return 10n')).toMatchObject({ code: 'CODE_OUTPUT_NOT_JSON' });
  });

  it('stops when the run is cancelled', async () => {
    const controller = new AbortController();
    const pending = runJavaScript({ code: 'while (true) {}', input: {}, timeoutMs: 10_000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const result = await pending;
    expect(result.ok ? 'ok' : result.error.code).toBe('CODE_CANCELLED');
    expect((await ok('return 2')).output).toBe(2);
  });
});
