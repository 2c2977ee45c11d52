// Source that runs INSIDE the isolate, kept apart from the host code that drives it. Everything here is evaluated
// in a fresh context before the user's code, so it can capture the built-ins it relies on (JSON, Reflect, String)
// before the user could replace them: a user who tampers with their own context only spoils their own result.
// Only strings cross back to the host.
import { GUEST_BASE } from './javascript-guest-base.js';
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
 * Evaluated once per context. Expects the host's log callback on `globalThis.__loomLog`, hands it to the console
 * (javascript-guest-base.ts), and returns the runner the host applies to the user's function. The runner never
 * throws: it answers with a JSON envelope `{ kind, ... }` that the host validates.
 */
export const GUEST_BOOTSTRAP = `(() => {
  'use strict';
  const hostLog = globalThis.__loomLog;
  delete globalThis.__loomLog;
  const { describe, toJson } = (${GUEST_BASE})(${JSON.stringify(USER_FILENAME)}, hostLog, 'the returned value');
  const { stringify, parse } = JSON;
  const MAX_OUTPUT = ${SANDBOX_LIMITS.maxOutputBytes};

  return async (fn, json) => {
    if (typeof fn !== 'function') return stringify({ __proto__: null, kind: 'syntax', message: 'the code must be the body of a function' });
    const input = parse(json);
    let value;
    try {
      value = await fn(input, input);
    } catch (thrown) {
      return stringify({ __proto__: null, kind: 'threw', ...describe(thrown) });
    }
    const output = toJson(value, MAX_OUTPUT);
    return typeof output === 'string' ? '{"kind":"ok","output":' + output + '}' : stringify(output);
  };
})()`;
