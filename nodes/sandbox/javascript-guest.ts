// Source that runs INSIDE the isolate, kept apart from the host code that drives it. Everything here is evaluated
// in a fresh context before the user's code, so it can capture the built-ins it relies on (JSON, Reflect, String)
// before the user could replace them: a user who tampers with their own context only spoils their own result.
// Only strings cross back to the host.
import { SANDBOX_LIMITS } from './result.js';

/** The file name the user's code is compiled under; stack frames are filtered to this name. */
export const USER_FILENAME = 'user-code.js';

/**
 * The user's code becomes the body of an async function of `input` and its alias `$json`. The body starts on the
 * second line, and the script is compiled with `lineOffset: -1`, so their line 1 is reported as line 1.
 */
export function wrapUserCode(code: string): string {
  return `(async function (input, $json) {\n${code}\n})`;
}

/**
 * Evaluated once per context. Expects the host's log callback on `globalThis.__loomLog`, hides it behind a console,
 * removes what a data transformation never needs, and returns the runner the host applies to the user's function.
 * The runner never throws: it answers with a JSON envelope `{ kind, ... }` that the host validates.
 */
export const GUEST_BOOTSTRAP = `(() => {
  'use strict';
  const hostLog = globalThis.__loomLog;
  delete globalThis.__loomLog;
  // Cleanup callbacks could outlive this context and run during the next call on the same isolate.
  delete globalThis.FinalizationRegistry;
  delete globalThis.WeakRef;
  // Wasm memory is a way to allocate outside the JavaScript heap; nothing a transformation needs.
  delete globalThis.WebAssembly;
  // Atomics.waitAsync on shared memory aborts the whole host process under isolated-vm (std::terminate), and a
  // waiter could also fire during a later call; shared memory is what it needs, and no transformation does.
  delete globalThis.SharedArrayBuffer;
  delete Atomics.waitAsync;
  delete Atomics.wait;
  const { apply } = Reflect;
  const { stringify, parse } = JSON;
  const { substring, split, includes } = String.prototype;
  const { join, filter } = Array.prototype;
  const toText = String;
  const MAX_LOG = ${SANDBOX_LIMITS.maxLogMessageChars};
  const MAX_OUTPUT = ${SANDBOX_LIMITS.maxOutputBytes};
  const USER_FILE = ${JSON.stringify(USER_FILENAME)};

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
    console[level] = (...args) => { hostLog(as, line(args)); };
  }
  globalThis.console = Object.freeze(console);

  const read = (thrown, key) => { try { return thrown[key]; } catch { return undefined; } };
  const describe = (thrown) => {
    const isObject = thrown !== null && (typeof thrown === 'object' || typeof thrown === 'function');
    const name = isObject ? read(thrown, 'name') : undefined;
    const message = isObject ? read(thrown, 'message') : thrown;
    const stack = isObject ? read(thrown, 'stack') : undefined;
    const frames = typeof stack === 'string'
      ? apply(join, apply(filter, apply(split, stack, ['\\n']), [(l) => apply(includes, l, [USER_FILE])]), ['\\n'])
      : '';
    let text;
    try { text = toText(message); } catch { text = '[unprintable]'; }
    return { __proto__: null, name: typeof name === 'string' ? name : 'Error', message: apply(substring, text, [0, MAX_LOG]), stack: frames };
  };
  // Envelopes have no prototype, so a user's Object.prototype.toJSON cannot rewrite them.
  // JSON.stringify silently drops functions and symbols; a node's output must not lose data without a word.
  const strict = function (key, value) {
    const type = typeof value;
    if (type === 'function' || type === 'symbol' || type === 'bigint') {
      throw new TypeError((key === '' ? 'the returned value' : 'the value at key "' + key + '"') + ' is a ' + type);
    }
    return value;
  };

  return async (fn, json) => {
    if (typeof fn !== 'function') return stringify({ __proto__: null, kind: 'syntax', message: 'the code must be the body of a function' });
    const input = parse(json);
    let value;
    try {
      value = await fn(input, input);
    } catch (thrown) {
      return stringify({ __proto__: null, kind: 'threw', ...describe(thrown) });
    }
    let text;
    try {
      text = value === undefined ? 'null' : stringify(value, strict);
    } catch (thrown) {
      return stringify({ __proto__: null, kind: 'not-json', message: describe(thrown).message });
    }
    if (typeof text !== 'string') return stringify({ __proto__: null, kind: 'not-json', message: 'the returned value has no JSON form' });
    if (text.length > MAX_OUTPUT) return stringify({ __proto__: null, kind: 'too-large', chars: text.length });
    return '{"kind":"ok","output":' + text + '}';
  };
})()`;
