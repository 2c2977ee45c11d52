// Source that runs INSIDE an isolate: what both JavaScript guests (javascript-guest.ts for code.javascript,
// custom-javascript-guest.ts for custom nodes) start their bootstrap with, interpolated into each the same way. It
// runs in a fresh context before any user code, so the built-ins it captures are the real ones: a user who tampers
// with their own context only spoils their own result.
import { SANDBOX_LIMITS } from './result.js';

/**
 * A function expression `(userFile, log, valueName) => ({ read, describe, strict, toJson })`. Removes what user code
 * never needs, installs a frozen console whose lines go to `log(level, line)`, and answers the helpers both runners
 * build their envelopes with: `read(thrown, key)` never throws, `describe(thrown)` is an error as name, message and
 * the frames of `userFile`, `strict` is JSON.stringify's replacer that refuses what JSON would silently drop, and
 * `toJson(value, limit)` is the value's JSON text, or a failure envelope's fields (`not-json`, `too-large`) naming it
 * `valueName`. Whatever it hands out has no prototype, so a user's Object.prototype.toJSON cannot rewrite it.
 */
export const GUEST_BASE = String.raw`(userFile, log, valueName) => {
  // Cleanup callbacks could outlive this context and run during the next call on the same isolate.
  delete globalThis.FinalizationRegistry;
  delete globalThis.WeakRef;
  // Wasm memory is a way to allocate outside the JavaScript heap's cap; nothing user code needs.
  delete globalThis.WebAssembly;
  // Atomics.waitAsync on shared memory aborts the whole host process under isolated-vm (std::terminate), and a
  // waiter could also fire during a later call; shared memory is what it needs, and no user code does.
  delete globalThis.SharedArrayBuffer;
  delete Atomics.waitAsync;
  delete Atomics.wait;
  const { apply } = Reflect;
  const { stringify } = JSON;
  const { substring, split, includes } = String.prototype;
  const { join, filter } = Array.prototype;
  const toText = String;
  const MAX_LOG = ${SANDBOX_LIMITS.maxLogMessageChars};

  const show = (value) => {
    if (typeof value === 'string') return value;
    try {
      const text = stringify(value);
      return text === undefined ? toText(value) : text;
    } catch {
      try { return toText(value); } catch { return '[unprintable]'; }
    }
  };
  const line = (args) => {
    let out = '';
    for (let i = 0; i < args.length && out.length <= MAX_LOG; i++) out += (i === 0 ? '' : ' ') + show(args[i]);
    return out.length > MAX_LOG ? apply(substring, out, [0, MAX_LOG + 1]) : out;
  };
  const console = {};
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    const as = level === 'debug' ? 'log' : level;
    console[level] = (...args) => { log(as, line(args)); };
  }
  globalThis.console = Object.freeze(console);

  const read = (thrown, key) => { try { return thrown[key]; } catch { return undefined; } };
  const describe = (thrown) => {
    const isObject = thrown !== null && (typeof thrown === 'object' || typeof thrown === 'function');
    const name = isObject ? read(thrown, 'name') : undefined;
    const message = isObject ? read(thrown, 'message') : thrown;
    const stack = isObject ? read(thrown, 'stack') : undefined;
    const frames = typeof stack === 'string'
      ? apply(join, apply(filter, apply(split, stack, ['\n']), [(l) => apply(includes, l, [userFile])]), ['\n'])
      : '';
    let text;
    try { text = toText(message); } catch { text = '[unprintable]'; }
    return { __proto__: null, name: typeof name === 'string' ? name : 'Error', message: apply(substring, text, [0, MAX_LOG]), stack: frames };
  };
  // JSON.stringify silently drops functions and symbols; what the code answers must not lose data without a word.
  const strict = function (key, value) {
    const type = typeof value;
    if (type === 'function' || type === 'symbol' || type === 'bigint') {
      throw new TypeError((key === '' ? valueName : 'the value at key "' + key + '"') + ' is a ' + type);
    }
    return value;
  };
  // Serialised once and measured here, before it is copied out.
  const toJson = (value, limit) => {
    let text;
    try {
      text = value === undefined ? 'null' : stringify(value, strict);
    } catch (thrown) {
      return { __proto__: null, kind: 'not-json', message: describe(thrown).message };
    }
    if (typeof text !== 'string') return { __proto__: null, kind: 'not-json', message: valueName + ' has no JSON form' };
    if (text.length > limit) return { __proto__: null, kind: 'too-large', chars: text.length, limit };
    return text;
  };
  return { __proto__: null, read, describe, strict, toJson };
}`;
