// Source that runs INSIDE a custom node's isolate: the `context` a node's execute() receives, and the guest half of
// the bridge it stands on. A bridge call is one synchronous host callback `send(id, op, argsJson)` that only starts the
// operation; the host answers later through the dispatcher (`deliver(id, ok, answerJson)`), so the isolate never
// blocks on I/O and the guest never holds a host reference. Arguments are written as JSON text here, from values
// checked one by one with built-ins captured before user code ran: a node that rewrites Object.prototype, JSON or
// Array.prototype can spoil its own values, never the shape of what the host parses (which validates it again).
import { SANDBOX_LIMITS } from './result.js';

/** What one call may ask of the bridge; the host enforces the same bounds (custom-javascript-bridge.ts). */
export const BRIDGE_LIMITS = {
  /** context.log and context.progress calls forwarded; the rest are counted and dropped. */
  maxEmits: 1_000,
  /** Awaited bridge calls (fetch, credentials, knowledge, files) per node call. */
  maxCalls: 5_000,
  /** Awaited bridge calls waiting at once. */
  maxInFlight: 64,
  /** One call's arguments as JSON (a request body, mostly). */
  maxArgsChars: 4 * 1024 * 1024,
  /** One answer as JSON (a response body, mostly). */
  maxAnswerChars: SANDBOX_LIMITS.maxOutputBytes,
  /** context.log's `data` as JSON. */
  maxLogDataChars: 16 * 1024,
} as const;

/**
 * A function expression `(send, NodeError, web) => bridge`, where `bridge.contextFor(meta)` builds a node's frozen
 * context, `bridge.deliver(id, ok, json)` settles a call, and `bridge.dropped()` counts emits over the limit.
 */
export const GUEST_CONTEXT = String.raw`(send, NodeError, web) => {
  const { apply, ownKeys } = Reflect;
  const { stringify, parse } = JSON;
  const { freeze, hasOwn } = Object;
  const { toLowerCase, substring } = String.prototype;
  const isArray = Array.isArray;
  const text = String;
  const PromiseCtor = Promise;
  const iterator = Symbol.iterator;
  const isView = ArrayBuffer.isView;
  const MAX_EMITS = ${BRIDGE_LIMITS.maxEmits};
  const MAX_ARGS = ${BRIDGE_LIMITS.maxArgsChars};
  const MAX_LOG = ${SANDBOX_LIMITS.maxLogMessageChars};
  const MAX_DATA = ${BRIDGE_LIMITS.maxLogDataChars};

  // JSON text from checked pieces: stringify only ever sees strings, numbers and booleans, which have no toJSON.
  const str = (value) => stringify(value);
  const object = (pairs) => {
    let out = '{';
    let first = true;
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[i];
      if (pair[1] === undefined) continue;
      out += (first ? '' : ',') + stringify(pair[0]) + ':' + pair[1];
      first = false;
    }
    return out + '}';
  };
  const needString = (value, what) => {
    if (typeof value !== 'string') throw new TypeError(what + ' must be a string');
    return str(value);
  };
  const optionalNumber = (value, what) => {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || value !== value) throw new TypeError(what + ' must be a number');
    return str(value);
  };

  const pending = { __proto__: null };
  let nextId = 0;
  let emits = 0;
  let dropped = 0;
  const refuse = (message) => PromiseCtor.reject(new NodeError('CODE_INVALID_REQUEST', message));
  const call = (op, argsJson) => {
    if (argsJson.length > MAX_ARGS) return refuse(op + ': the request is over ' + MAX_ARGS + ' characters');
    const id = ++nextId;
    return new PromiseCtor((resolve, reject) => {
      pending[id] = { __proto__: null, resolve, reject };
      send(id, op, argsJson);
    });
  };
  const deliver = (id, ok, answerJson) => {
    const waiter = pending[id];
    if (!waiter) return;
    delete pending[id];
    let answer;
    try {
      answer = parse(answerJson);
    } catch {
      return waiter.reject(new NodeError('CODE_SANDBOX_FAILED', 'unreadable bridge answer'));
    }
    if (ok) return waiter.resolve(answer);
    const options = typeof answer.retryable === 'boolean' ? { retryable: answer.retryable } : undefined;
    waiter.reject(new NodeError(text(answer.code), text(answer.message), answer.details === null ? undefined : answer.details, options));
  };
  // Fire and forget, in order: send() runs synchronously on the host, which starts the bridge calls in this order.
  // Over the limit a call is counted before any of its arguments is written, so a flood costs a loop, no crossings.
  const room = () => {
    if (emits >= MAX_EMITS) { dropped++; return false; }
    emits++;
    return true;
  };
  const clip = (value) => { const s = text(value); return s.length > MAX_LOG ? apply(substring, s, [0, MAX_LOG]) : s; };
  const log = (level) => (message, data) => {
    if (!room()) return;
    let dataJson;
    if (data !== undefined) {
      try { dataJson = stringify(data); } catch { dataJson = undefined; }
      if (dataJson !== undefined && dataJson.length > MAX_DATA) dataJson = object([['omitted', str('over ' + MAX_DATA + ' characters')]]);
    }
    send(0, 'log', object([['level', str(level)], ['message', str(clip(message))], ['data', dataJson]]));
  };
  const progress = (message, fraction) => {
    if (!room()) return;
    send(0, 'progress', object([['message', str(clip(message))], ['fraction', typeof fraction === 'number' && fraction === fraction ? str(fraction) : undefined]]));
  };

  const headersJson = (headers) => {
    if (headers === undefined || headers === null) return undefined;
    let out = '{';
    let first = true;
    const add = (name, value) => { out += (first ? '' : ',') + str(text(name)) + ':' + str(text(value)); first = false; };
    if (isArray(headers)) {
      for (let i = 0; i < headers.length; i++) {
        const pair = headers[i];
        if (!isArray(pair) || pair.length !== 2) throw new TypeError('context.http.fetch: each header must be a [name, value] pair');
        add(pair[0], pair[1]);
      }
    } else if (typeof headers === 'object') {
      const keys = ownKeys(headers);
      for (let i = 0; i < keys.length; i++) if (typeof keys[i] === 'string') add(keys[i], headers[keys[i]]);
    } else throw new TypeError('context.http.fetch: headers must be an object of strings');
    return out + '}';
  };
  const hasContentType = (headers) => {
    if (headers === null || typeof headers !== 'object') return false;
    if (isArray(headers)) { for (let i = 0; i < headers.length; i++) if (apply(toLowerCase, text(headers[i][0]), []) === 'content-type') return true; return false; }
    const keys = ownKeys(headers);
    for (let i = 0; i < keys.length; i++) if (typeof keys[i] === 'string' && apply(toLowerCase, keys[i], []) === 'content-type') return true;
    return false;
  };
  const FORM = 'application/x-www-form-urlencoded;charset=UTF-8';
  const fetchArgs = (url, init) => {
    const target = web.isURL(url) ? text(url) : url;
    if (typeof target !== 'string') throw new TypeError('context.http.fetch: the URL must be a string or a URL');
    const o = init === undefined || init === null ? {} : init;
    if (typeof o !== 'object') throw new TypeError('context.http.fetch: the options must be an object');
    let body = o.body;
    let headers = headersJson(o.headers);
    if (web.isSearchParams(body)) {
      body = text(body);
      if (!hasContentType(o.headers)) headers = headers === undefined || headers === '{}' ? object([['content-type', str(FORM)]]) : '{' + str('content-type') + ':' + str(FORM) + ',' + apply(substring, headers, [1]);
    } else if (web.isURL(body)) body = text(body);
    else if (isView(body) || body instanceof ArrayBuffer) throw new TypeError('context.http.fetch: binary bodies are not supported; send a string');
    else if (body !== undefined && body !== null && typeof body !== 'string') {
      throw new TypeError('context.http.fetch: the body must be a string (JSON.stringify an object first), a URLSearchParams or a URL');
    }
    return object([
      ['url', str(target)],
      ['method', o.method === undefined ? undefined : str(text(o.method))],
      ['headers', headers],
      ['body', typeof body === 'string' ? str(body) : undefined],
      ['credential', o.credential === undefined ? undefined : needString(o.credential, 'context.http.fetch: credential (a slot)')],
      ['timeoutMs', optionalNumber(o.timeoutMs, 'context.http.fetch: timeoutMs')],
    ]);
  };

  const responseOf = (answer) => {
    const table = { __proto__: null };
    const raw = answer.headers !== null && typeof answer.headers === 'object' ? answer.headers : {};
    const names = ownKeys(raw);
    for (let i = 0; i < names.length; i++) if (typeof names[i] === 'string') table[apply(toLowerCase, names[i], [])] = text(raw[names[i]]);
    const entries = function* () { const keys = ownKeys(table); for (let i = 0; i < keys.length; i++) yield [keys[i], table[keys[i]]]; };
    const headers = freeze({
      get: (name) => { const key = apply(toLowerCase, text(name), []); return hasOwn(table, key) ? table[key] : null; },
      has: (name) => hasOwn(table, apply(toLowerCase, text(name), [])),
      forEach: (callback, thisArg) => { for (const [k, v] of entries()) apply(callback, thisArg, [v, k, headers]); },
      entries,
      keys: function* () { for (const [k] of entries()) yield k; },
      values: function* () { for (const [, v] of entries()) yield v; },
      [iterator]: entries,
    });
    const body = typeof answer.body === 'string' ? answer.body : '';
    const status = typeof answer.status === 'number' ? answer.status : 0;
    return freeze({
      ok: status >= 200 && status <= 299,
      status,
      statusText: typeof answer.statusText === 'string' ? answer.statusText : '',
      url: typeof answer.url === 'string' ? answer.url : '',
      headers,
      text: async () => body,
      json: async () => {
        try { return parse(body); } catch (err) { throw new NodeError('HTTP_INVALID_JSON', 'The response is not valid JSON: ' + text(err && err.message)); }
      },
    });
  };

  const sourceIdsJson = (ids) => {
    if (ids === undefined) return undefined;
    if (!isArray(ids)) throw new TypeError('context.knowledge.search: sourceIds must be a list of strings');
    let out = '[';
    for (let i = 0; i < ids.length; i++) out += (i === 0 ? '' : ',') + needString(ids[i], 'context.knowledge.search: each source id');
    return out + ']';
  };

  const contextFor = (meta) => {
    const slots = { __proto__: null };
    for (let i = 0; i < meta.attachedSlots.length; i++) slots[meta.attachedSlots[i]] = true;
    return freeze({
      runId: meta.runId,
      nodeId: meta.nodeId,
      attempt: meta.attempt,
      idempotencyKey: meta.idempotencyKey,
      log: freeze({ info: log('info'), warn: log('warn'), error: log('error') }),
      progress,
      credentials: freeze({
        has: (slot) => typeof slot === 'string' && slots[slot] === true,
        get: async (slot) => call('credentials.get', object([['slot', needString(slot, 'context.credentials.get: the slot')]])),
      }),
      http: freeze({
        fetch: async (url, init) => responseOf(await call('http.fetch', fetchArgs(url, init))),
      }),
      knowledge: freeze({
        search: async (knowledgeBaseId, query, options) => {
          const o = options === undefined || options === null ? {} : options;
          return call('knowledge.search', object([
            ['knowledgeBaseId', needString(knowledgeBaseId, 'context.knowledge.search: the knowledge base id')],
            ['query', needString(query, 'context.knowledge.search: the query')],
            ['topK', optionalNumber(o.topK, 'context.knowledge.search: topK')],
            ['sourceIds', sourceIdsJson(o.sourceIds)],
          ]));
        },
      }),
      files: freeze({
        read: async (fileId) => call('files.read', object([['fileId', needString(fileId, 'context.files.read: the file id')]])),
      }),
    });
  };

  return { contextFor, deliver, dropped: () => dropped };
}`;
