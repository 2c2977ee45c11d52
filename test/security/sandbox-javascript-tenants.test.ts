// Issue #11, proof: the JavaScript sandbox's escape suite with two owners on ONE warm isolate (maxIsolates 1, the
// most shared it gets). Owner A tampers with everything a context offers (globals, prototypes of built-ins, JSON,
// Promise, Error.prepareStackTrace, the console and the host's log callback, the symbol registry, timers of
// Atomics.waitAsync that fire later); owner B then runs on secret input; its input and output must be untouched
// and A must not see them. Inputs built to exhaust time, memory and the stack leave the next owner served.
import { afterAll, describe, expect, it } from 'vitest';
import { JavaScriptSandbox } from '../../nodes/sandbox/javascript.js';
import { A, B, SECRET, ok } from '../support/tenants.js';

const sandbox = new JavaScriptSandbox({ maxIsolates: 1 });
afterAll(() => sandbox.dispose());

const PLANT = String.raw`
  const loot = [];
  const sink = (kind, value) => { try { loot.push(kind + ':' + JSON.stringify(value)); } catch {} };
  globalThis.loot = loot;
  Object.prototype.toJSON = function () { sink('toJSON', this); return 'altered'; };
  Object.defineProperty(Object.prototype, 'secret', { set(v) { sink('set', v); }, get() { return 'altered'; }, configurable: true });
  Array.prototype.map = function () { return ['altered']; };
  const parse = JSON.parse, stringify = JSON.stringify;
  JSON.parse = (text, ...rest) => { sink('parse', text); return parse(text, ...rest); };
  JSON.stringify = (value) => { sink('stringify', value); return '"altered"'; };
  const then = Promise.prototype.then;
  Promise.prototype.then = function (...args) { sink('then', null); return then.apply(this, args); };
  Error.prepareStackTrace = (error, frames) => { sink('stack', frames.length); return 'altered'; };
  Error.stackTraceLimit = 0;
  String.prototype.includes = () => false;
  Reflect.apply = () => 'altered';
  console.log = (...args) => sink('console', args);
  Symbol.for('loom.loot').description;
  try { __loomLog('log', 'a writes through the host callback'); } catch { loot.push('no __loomLog'); }
  // A timer that outlives this call and fires while the next call runs, in this context.
  if (typeof SharedArrayBuffer === 'function' && Atomics.waitAsync) {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    const waiting = Atomics.waitAsync(cell, 0, 0, 50);
    if (waiting.async) waiting.value.then(() => { Object.prototype.late = 'altered'; globalThis.fired = true; });
  }
  return 'planted';
`;
const VICTIM =
  'console.log("b sees", input.secret); return { echo: input.secret, doubled: input.items.map((x) => x * 2), late: ({}).late ?? null };';
const victimInput = { secret: SECRET, items: [1, 2, 3] };
const HARVEST =
  'return JSON.stringify([globalThis.loot ?? null, ({}).secret ?? null, ({}).late ?? null, typeof __loomLog, Symbol.keyFor(Symbol.for("loom.loot"))]);';

describe('the JavaScript sandbox with two owners on one isolate', () => {
  it("gives owner A no way to read or change owner B's input and output, nor its own next call's", async () => {
    for (const victimOwner of [B, A]) {
      await sandbox.run({ code: PLANT, input: {} }, A);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const victim = await sandbox.run({ code: VICTIM, input: victimInput }, victimOwner);
      expect(victim).toMatchObject({ ok: true, output: { echo: SECRET, doubled: [2, 4, 6], late: null } });
      expect(victim.logs.map((l) => l.message)).toEqual([`b sees ${SECRET}`]);
      const harvest = String(ok(await sandbox.run({ code: HARVEST, input: {} }, A)));
      expect(harvest).not.toContain(SECRET);
      expect(JSON.parse(harvest)).toEqual([null, null, null, 'undefined', 'loom.loot']);
    }
  });

  it("reaches nothing of the host: no require, process, import, code generation into the host's realm", async () => {
    const probes = [
      'return typeof require + typeof process + typeof fetch + typeof setTimeout + typeof WebAssembly',
      'return (function(){}).constructor("return typeof process")()',
      'return (async () => (await import("node:fs")).readFileSync("/etc/passwd", "utf8"))()',
      'return Object.getOwnPropertyNames(globalThis).filter((n) => /loom|ivm|host/i.test(n))',
    ];
    const results = await Promise.all(probes.map((code) => sandbox.run({ code, input: {} }, A)));
    expect(results[0]).toMatchObject({ ok: true, output: 'undefinedundefinedundefinedundefinedundefined' });
    expect(results[1]).toMatchObject({ ok: true, output: 'undefined' });
    expect(results[2]?.ok).toBe(false);
    expect(results[3]).toMatchObject({ ok: true, output: [] });
  });

  it('survives inputs built to exhaust time, memory and the stack, and serves the next owner', async () => {
    const attacks: [string, string][] = [
      ['while (true) {}', 'CODE_TIMEOUT'],
      ['await new Promise(() => {})', 'CODE_TIMEOUT'],
      ['for (;;) { try { while (true) {} } catch {} }', 'CODE_TIMEOUT'],
      ['const a = []; while (true) a.push(new Array(1e6).fill(1));', 'CODE_MEMORY_LIMIT'],
      ['return "x".repeat(2 ** 29).length', 'ANY'],
      ['const f = (n) => f(n + 1); return f(0);', 'CODE_RUNTIME_ERROR'],
      ['let x = []; for (let i = 0; i < 1e6; i++) x = [x]; return x;', 'ANY'],
      ['const p = () => Promise.resolve().then(p); p(); while (true) {}', 'CODE_TIMEOUT'],
      // Aborted the whole host process (std::terminate in isolated-vm) before shared memory was removed.
      ['Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10)', 'CODE_RUNTIME_ERROR'],
    ];
    for (const [code, expected] of attacks) {
      const result = await sandbox.run({ code, input: {}, timeoutMs: 1_000, memoryLimitMb: 32 }, A);
      expect(result.ok, code).toBe(false);
      if (!result.ok && expected !== 'ANY') expect(result.error.code, code).toBe(expected);
      expect(await sandbox.run({ code: VICTIM, input: victimInput }, B), code).toMatchObject({ ok: true, output: { echo: SECRET } });
    }
  }, 120_000);
});
