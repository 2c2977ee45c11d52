// Source that runs INSIDE a custom node's isolate, once per fresh context, before the node's module is evaluated: it
// starts as code.javascript's guest does (javascript-guest-base.ts: what a node never needs removed, the console, the
// error and JSON helpers), captures the built-ins it relies on, installs the web globals, the SDK and the bridge,
// and returns the one dispatcher the host calls: `('extract', ns)`, `('execute', ns, input, config, meta)`,
// `('deliver', id, ok, answer)`. Like javascript-guest.ts it never throws: it answers a JSON envelope `{ kind, ... }`
// that the host validates, and a node that tampers with its own context only spoils its own answer.
import { GUEST_CONTEXT } from './custom-javascript-context.js';
import { GUEST_BASE } from './javascript-guest-base.js';
import { GUEST_SDK } from './custom-javascript-sdk.js';
import { GUEST_WEB } from './custom-javascript-web.js';
import { SANDBOX_LIMITS } from './result.js';

/** The file name a node's module is compiled under; stack frames are filtered to this name. */
export const CUSTOM_NODE_FILENAME = 'custom-node.js';

/** The bound on a declaration as JSON: a node with hundreds of fields fits in a tenth of it. */
export const MAX_DECLARATION_CHARS = 256 * 1024;

/** Keys of a field the declaration keeps (nodes/sdk/fields.ts FieldSpec, with a number field's bounds). */
const FIELD_KEYS = ['kind', 'label', 'required', 'default', 'help', 'placeholder', 'secret', 'options', 'language', 'min', 'max', 'int'];

/**
 * Expects `globalThis.__loomHost(kind, ...)`: the host's one synchronous callback ('console', 'url', 'bridge'),
 * removed from the global before anything else runs.
 */
export const CUSTOM_GUEST_BOOTSTRAP = `(() => {
  'use strict';
  const host = globalThis.__loomHost;
  delete globalThis.__loomHost;
  const USER_FILE = ${JSON.stringify(CUSTOM_NODE_FILENAME)};
  const { read, describe, strict, toJson } = (${GUEST_BASE})(USER_FILE, (level, line) => host('console', level, line), 'the value');
  const { apply, ownKeys } = Reflect;
  const { stringify, parse } = JSON;
  const { substring } = String.prototype;
  const isArray = Array.isArray;
  const MAX_LOG = ${SANDBOX_LIMITS.maxLogMessageChars};
  const MAX_OUTPUT = ${SANDBOX_LIMITS.maxOutputBytes};
  const MAX_DECLARATION = ${MAX_DECLARATION_CHARS};
  const FIELD_KEYS = ${JSON.stringify(FIELD_KEYS)};

  const web = (${GUEST_WEB})((op, a, b, c) => host('url', op, a, b, c));
  const sdk = (${GUEST_SDK})();
  const bridge = (${GUEST_CONTEXT})((id, op, args) => host('bridge', id, op, args), sdk.NodeError, web);

  // Envelopes have no prototype, so a node's Object.prototype.toJSON cannot rewrite them.
  const envelope = (fields) => stringify({ __proto__: null, ...fields, dropped: bridge.dropped() });
  const threw = (thrown) => envelope({ kind: 'threw', ...describe(thrown) });
  // A JSON value written inside an envelope as text, so it is serialised once and measured before it is copied out.
  // The kind is its key: { kind: 'output', output } or { kind: 'declaration', declaration }.
  const withJson = (kind, value, limit) => {
    const json = toJson(value, limit);
    if (typeof json !== 'string') return envelope(json);
    return '{"kind":' + stringify(kind) + ',"dropped":' + bridge.dropped() + ',' + stringify(kind) + ':' + json + '}';
  };

  // The module's default export, if defineNode made it; reading it throws while a top-level await is pending.
  const loadNode = (ns) => {
    let node;
    try { node = ns.default; } catch (thrown) { return { failed: threw(thrown) }; }
    return sdk.isNode(node) ? { node } : { failed: envelope({ kind: 'not-node', message: 'the default export must be the result of defineNode({ ... })' }) };
  };

  // The declaration keeps the keys of the host's shape and nothing else; the host's schema validates their values.
  const stringList = (value) => {
    if (!isArray(value)) return null;
    const out = [];
    for (let i = 0; i < value.length; i++) { if (typeof value[i] !== 'string') return null; out[i] = value[i]; }
    return out;
  };
  const fromConfig = (value, config) => {
    if (typeof value !== 'function') return stringList(value);
    try { return stringList(value(config)); } catch { return null; }
  };
  const keep = (value, keys) => {
    if (value === null || typeof value !== 'object') return value;
    const out = { __proto__: null };
    for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
    return out;
  };
  const list = (value, keys) => {
    if (value === undefined || value === null || typeof value === 'function') return null;
    if (!isArray(value)) return value;
    const out = [];
    for (let i = 0; i < value.length; i++) out[i] = keep(value[i], keys);
    return out;
  };
  const fieldsOf = (fields) => {
    if (fields === null || typeof fields !== 'object') return fields;
    const out = { __proto__: null };
    for (const name of ownKeys(fields)) {
      if (typeof name !== 'string') continue;
      const f = keep(fields[name], FIELD_KEYS);
      if (f !== null && typeof f === 'object' && f.options !== undefined) f.options = list(f.options, ['value', 'label']);
      out[name] = f;
    }
    return out;
  };
  const defaultsOf = (fields) => {
    const config = {};
    if (fields === null || typeof fields !== 'object') return config;
    for (const name of ownKeys(fields)) {
      const f = fields[name];
      if (typeof name === 'string' && f !== null && typeof f === 'object' && f.default !== undefined) config[name] = f.default;
    }
    return config;
  };
  const nodeDeclaration = (spec) => {
    const defaults = spec.defaults !== null && typeof spec.defaults === 'object' ? spec.defaults : {};
    const timeoutMs = typeof defaults.timeoutMs === 'number' ? defaults.timeoutMs : typeof spec.timeoutMs === 'number' ? spec.timeoutMs : null;
    const config = defaultsOf(spec.fields);
    return {
      __proto__: null,
      type: spec.type,
      version: spec.version,
      displayName: spec.displayName,
      description: spec.description,
      category: spec.category === undefined ? null : spec.category,
      fields: fieldsOf(spec.fields),
      inputs: list(spec.inputs, ['name', 'dataType']),
      outputs: list(spec.outputs, ['name', 'dataType']),
      credentials: list(spec.credentials, ['slot', 'types', 'required']),
      operations: fromConfig(spec.operations, config),
      hosts: fromConfig(spec.hosts, config),
      timeoutMs,
      hasExecute: typeof spec.execute === 'function',
      hasDescribe: typeof spec.describe === 'function',
    };
  };
  const credentialDeclaration = (spec) => ({
    __proto__: null,
    type: spec.type,
    displayName: spec.displayName,
    description: spec.description,
    fields: fieldsOf(spec.fields),
    apply: spec.apply === undefined ? null : spec.apply,
  });

  const extract = (ns) => {
    const loaded = loadNode(ns);
    if (loaded.failed) return loaded.failed;
    let declaration;
    try {
      const credentialTypes = [];
      for (const name of ownKeys(ns)) {
        if (name === 'default') continue;
        const value = ns[name];
        if (sdk.isCredentialType(value)) credentialTypes[credentialTypes.length] = credentialDeclaration(value);
      }
      declaration = { __proto__: null, node: nodeDeclaration(loaded.node), credentialTypes };
    } catch (thrown) {
      return threw(thrown);
    }
    return withJson('declaration', declaration, MAX_DECLARATION);
  };

  const nodeError = (thrown) => {
    const code = read(thrown, 'code');
    if (typeof code !== 'string' || code.length === 0) return undefined;
    const retryable = read(thrown, 'retryable');
    let details;
    try { details = stringify(read(thrown, 'details'), strict); } catch { details = undefined; }
    const fields = { __proto__: null, kind: 'node-error', ...describe(thrown), code: apply(substring, code, [0, 200]), dropped: bridge.dropped() };
    if (typeof retryable === 'boolean') fields.retryable = retryable;
    const head = stringify(fields);
    return details !== undefined && details[0] === '{' && details.length <= MAX_LOG * 4 ? apply(substring, head, [0, head.length - 1]) + ',"details":' + details + '}' : head;
  };

  const execute = async (ns, inputJson, configJson, metaJson) => {
    const loaded = loadNode(ns);
    if (loaded.failed) return loaded.failed;
    const { node } = loaded;
    const run = node.execute;
    if (typeof run !== 'function') return envelope({ kind: 'not-node', message: 'the node has no execute(input, config, context)' });
    const context = bridge.contextFor(parse(metaJson));
    let value;
    try {
      value = await apply(run, node, [parse(inputJson), parse(configJson), context]);
    } catch (thrown) {
      return (sdk.isNodeError(thrown) && nodeError(thrown)) || threw(thrown);
    }
    return withJson('output', value, MAX_OUTPUT);
  };

  return (kind, a, b, c, d) => {
    if (kind === 'deliver') return void bridge.deliver(a, b, c);
    return kind === 'extract' ? extract(a) : execute(a, b, c, d);
  };
})()`;
