// Source that runs INSIDE a custom node's isolate: the few web globals a node that calls APIs writes without
// thinking (URL, URLSearchParams, TextEncoder, TextDecoder, btoa, atob); isolated-vm contexts have only ECMAScript's.
// URL is parsed by the host's WHATWG parser through a synchronous callback (strings in, a JSON array of the parts
// out), so the guest and the host's guarded HTTP client read every URL alike; the rest is pure JavaScript. Evaluated
// in the bootstrap, before any user code, so every built-in it uses is captured here first.

/** The parts the host's URL parser answers, in this order (`url` callback of the custom node bootstrap). */
export const URL_PARTS = [
  'href',
  'origin',
  'protocol',
  'username',
  'password',
  'host',
  'hostname',
  'port',
  'pathname',
  'search',
  'hash',
] as const;

/** URL setters the guest forwards to the host's parser (the others are read-only, as in WHATWG URL). */
export const URL_SETTERS = ['href', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'] as const;

/** A function expression `(hostUrl) => void`: installs the globals; `hostUrl(op, a, b, c)` answers JSON parts or null. */
export const GUEST_WEB = String.raw`(hostUrl) => {
  const { parse } = JSON;
  const { apply, defineProperty } = Reflect;
  const { fromCharCode, fromCodePoint } = String;
  const { charCodeAt, codePointAt, indexOf, slice, toLowerCase } = String.prototype;
  const { slice: arraySlice, sort } = Array.prototype;
  const iterator = Symbol.iterator;
  const toStringTag = Symbol.toStringTag;
  const Uint8 = Uint8Array;
  const isView = ArrayBuffer.isView;
  const text = String;
  const PARTS = ${JSON.stringify(URL_PARTS)};
  const SETTERS = ${JSON.stringify(URL_SETTERS)};
  const HEX = '0123456789ABCDEF';

  // UTF-8, as WHATWG Encoding does it: lone surrogates become U+FFFD on the way in, and each invalid sequence one
  // U+FFFD on the way out.
  const utf8Encode = (s) => {
    const out = [];
    for (let i = 0; i < s.length; i++) {
      let c = apply(codePointAt, s, [i]);
      if (c > 0xffff) i++;
      else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      if (c < 0x80) out[out.length] = c;
      else if (c < 0x800) { out[out.length] = 0xc0 | (c >> 6); out[out.length] = 0x80 | (c & 63); }
      else if (c < 0x10000) { out[out.length] = 0xe0 | (c >> 12); out[out.length] = 0x80 | ((c >> 6) & 63); out[out.length] = 0x80 | (c & 63); }
      else { out[out.length] = 0xf0 | (c >> 18); out[out.length] = 0x80 | ((c >> 12) & 63); out[out.length] = 0x80 | ((c >> 6) & 63); out[out.length] = 0x80 | (c & 63); }
    }
    return out;
  };
  const utf8Decode = (bytes, fatal) => {
    const chunks = [];
    let cp = 0, needed = 0, seen = 0, lower = 0x80, upper = 0xbf;
    const bad = () => { if (fatal) throw new TypeError('The encoded data was not valid UTF-8'); chunks[chunks.length] = 0xfffd; };
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (needed === 0) {
        if (b <= 0x7f) chunks[chunks.length] = b;
        else if (b >= 0xc2 && b <= 0xdf) { needed = 1; cp = b & 0x1f; }
        else if (b >= 0xe0 && b <= 0xef) { if (b === 0xe0) lower = 0xa0; if (b === 0xed) upper = 0x9f; needed = 2; cp = b & 0xf; }
        else if (b >= 0xf0 && b <= 0xf4) { if (b === 0xf0) lower = 0x90; if (b === 0xf4) upper = 0x8f; needed = 3; cp = b & 0x7; }
        else bad();
        continue;
      }
      if (b < lower || b > upper) { cp = needed = seen = 0; lower = 0x80; upper = 0xbf; bad(); i--; continue; }
      lower = 0x80; upper = 0xbf; cp = (cp << 6) | (b & 0x3f); seen++;
      if (seen === needed) { chunks[chunks.length] = cp; cp = needed = seen = 0; }
    }
    if (needed !== 0) bad();
    let out = '';
    for (let i = 0; i < chunks.length; i += 4096) out += apply(fromCodePoint, undefined, apply(arraySlice, chunks, [i, i + 4096]));
    return out;
  };

  // application/x-www-form-urlencoded, the serialiser and parser of URLSearchParams.
  const formEncode = (s) => {
    const bytes = utf8Encode(text(s));
    let out = '';
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2a || b === 0x2d || b === 0x2e || b === 0x5f) out += fromCharCode(b);
      else if (b === 0x20) out += '+';
      else out += '%' + HEX[b >> 4] + HEX[b & 15];
    }
    return out;
  };
  const hexValue = (b) => (b >= 0x30 && b <= 0x39 ? b - 0x30 : b >= 0x41 && b <= 0x46 ? b - 0x37 : b >= 0x61 && b <= 0x66 ? b - 0x57 : -1);
  const formDecode = (s) => {
    const bytes = utf8Encode(s);
    const out = [];
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      const hi = b === 0x25 && i + 2 < bytes.length ? hexValue(bytes[i + 1]) : -1;
      const lo = hi >= 0 ? hexValue(bytes[i + 2]) : -1;
      if (lo >= 0) { out[out.length] = hi * 16 + lo; i += 2; }
      else out[out.length] = b === 0x2b ? 0x20 : b;
    }
    return utf8Decode(out, false);
  };
  const parseForm = (query) => {
    const list = [];
    const s = query.length > 0 && query[0] === '?' ? apply(slice, query, [1]) : query;
    let start = 0;
    while (start <= s.length) {
      let end = apply(indexOf, s, ['&', start]);
      if (end < 0) end = s.length;
      const pair = apply(slice, s, [start, end]);
      if (pair.length > 0) {
        const eq = apply(indexOf, pair, ['=']);
        list[list.length] = eq < 0 ? [formDecode(pair), ''] : [formDecode(apply(slice, pair, [0, eq])), formDecode(apply(slice, pair, [eq + 1]))];
      }
      start = end + 1;
    }
    return list;
  };

  class URLSearchParams {
    #list = [];
    #url = null;
    constructor(init = '') {
      if (init !== null && typeof init === 'object' && #list in init) { for (const [k, v] of init.#list) this.#list[this.#list.length] = [k, v]; return; }
      if (init !== null && typeof init === 'object' && typeof init[iterator] === 'function') {
        for (const pair of init) {
          const entry = [...pair];
          if (entry.length !== 2) throw new TypeError('Each URLSearchParams pair must have exactly two items');
          this.#list[this.#list.length] = [text(entry[0]), text(entry[1])];
        }
        return;
      }
      if (init !== null && typeof init === 'object') {
        for (const key of Reflect.ownKeys(init)) {
          if (typeof key === 'string' && Object.prototype.propertyIsEnumerable.call(init, key)) this.#list[this.#list.length] = [key, text(init[key])];
        }
        return;
      }
      this.#list = parseForm(text(init));
    }
    static _link(params, url, query) { params.#url = url; params.#list = parseForm(query); }
    static _reset(params, query) { params.#list = parseForm(query); }
    static _is(value) { return value !== null && typeof value === 'object' && #list in value; }
    #update() { if (this.#url) setSearch(this.#url, this.toString()); }
    get size() { return this.#list.length; }
    append(name, value) { this.#list[this.#list.length] = [text(name), text(value)]; this.#update(); }
    delete(name, value) {
      const n = text(name), v = value === undefined ? undefined : text(value);
      const kept = [];
      for (const e of this.#list) if (!(e[0] === n && (v === undefined || e[1] === v))) kept[kept.length] = e;
      this.#list = kept;
      this.#update();
    }
    get(name) { const n = text(name); for (const e of this.#list) if (e[0] === n) return e[1]; return null; }
    getAll(name) { const n = text(name), out = []; for (const e of this.#list) if (e[0] === n) out[out.length] = e[1]; return out; }
    has(name, value) { const n = text(name), v = value === undefined ? undefined : text(value); for (const e of this.#list) if (e[0] === n && (v === undefined || e[1] === v)) return true; return false; }
    set(name, value) {
      const n = text(name), kept = [];
      let placed = false;
      for (const e of this.#list) {
        if (e[0] !== n) kept[kept.length] = e;
        else if (!placed) { kept[kept.length] = [n, text(value)]; placed = true; }
      }
      if (!placed) kept[kept.length] = [n, text(value)];
      this.#list = kept;
      this.#update();
    }
    sort() {
      // Stable, by UTF-16 code units, as the standard says.
      const indexed = [];
      for (let i = 0; i < this.#list.length; i++) indexed[i] = [this.#list[i], i];
      apply(sort, indexed, [(a, b) => (a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1])]);
      const out = [];
      for (let i = 0; i < indexed.length; i++) out[i] = indexed[i][0];
      this.#list = out;
      this.#update();
    }
    forEach(callback, thisArg) { for (const [k, v] of this.#list) apply(callback, thisArg, [v, k, this]); }
    *entries() { for (const [k, v] of this.#list) yield [k, v]; }
    *keys() { for (const [k] of this.#list) yield k; }
    *values() { for (const [, v] of this.#list) yield v; }
    [iterator]() { return this.entries(); }
    toString() {
      let out = '';
      for (let i = 0; i < this.#list.length; i++) out += (i === 0 ? '' : '&') + formEncode(this.#list[i][0]) + '=' + formEncode(this.#list[i][1]);
      return out;
    }
    get [toStringTag]() { return 'URLSearchParams'; }
  }
  // Module-private helpers: read once, then removed from the class the user sees.
  const link = URLSearchParams._link, reset = URLSearchParams._reset, isSearchParams = URLSearchParams._is;
  delete URLSearchParams._link;
  delete URLSearchParams._reset;
  delete URLSearchParams._is;
  let setSearch;

  const parseUrl = (op, a, b, c) => {
    const answer = hostUrl(op, a, b, c);
    if (typeof answer !== 'string') return null;
    const values = parse(answer);
    const parts = { __proto__: null };
    for (let i = 0; i < PARTS.length; i++) parts[PARTS[i]] = values[i];
    return parts;
  };

  class URL {
    #parts;
    #params = null;
    constructor(url, base) {
      const parts = parseUrl('parse', text(url), base === undefined ? undefined : text(base));
      if (!parts) throw new TypeError('Invalid URL: ' + text(url));
      this.#parts = parts;
    }
    static canParse(url, base) { return parseUrl('parse', text(url), base === undefined ? undefined : text(base)) !== null; }
    // A change made through searchParams must not re-parse those same params; any other change refreshes them.
    #set(name, value, fromParams) {
      const parts = parseUrl('set', this.#parts.href, name, text(value));
      if (!parts) { if (name === 'href') throw new TypeError('Invalid URL: ' + text(value)); return; }
      this.#parts = parts;
      if (this.#params && !fromParams) reset(this.#params, parts.search);
    }
    get searchParams() {
      if (!this.#params) { this.#params = new URLSearchParams(); link(this.#params, this, this.#parts.search); }
      return this.#params;
    }
    toString() { return this.#parts.href; }
    toJSON() { return this.#parts.href; }
    get [toStringTag]() { return 'URL'; }
    static _read(url, name) { return url.#parts[name]; }
    static _write(url, name, value, fromParams) { url.#set(name, value, fromParams); }
    static _is(value) { return value !== null && typeof value === 'object' && #parts in value; }
  }
  const readPart = URL._read, writePart = URL._write, isURL = URL._is;
  delete URL._read;
  delete URL._write;
  delete URL._is;
  setSearch = (url, query) => writePart(url, 'search', query, true);
  for (const name of PARTS) {
    const descriptor = { get() { return readPart(this, name); }, configurable: true, enumerable: true };
    if (apply(indexOf, SETTERS, [name]) >= 0) descriptor.set = function (value) { writePart(this, name, value, false); };
    defineProperty(URL.prototype, name, descriptor);
  }

  class TextEncoder {
    get encoding() { return 'utf-8'; }
    encode(input = '') { return new Uint8(utf8Encode(text(input))); }
  }
  class TextDecoder {
    #fatal;
    #ignoreBOM;
    constructor(label = 'utf-8', options = {}) {
      const name = apply(toLowerCase, text(label), []);
      if (name !== 'utf-8' && name !== 'utf8' && name !== 'unicode-1-1-utf-8') throw new RangeError('Only utf-8 is supported, not ' + text(label));
      this.#fatal = !!(options && options.fatal);
      this.#ignoreBOM = !!(options && options.ignoreBOM);
    }
    get encoding() { return 'utf-8'; }
    get fatal() { return this.#fatal; }
    get ignoreBOM() { return this.#ignoreBOM; }
    decode(input) {
      if (input === undefined) return '';
      const bytes = isView(input) ? new Uint8(input.buffer, input.byteOffset, input.byteLength) : new Uint8(input);
      const out = utf8Decode(bytes, this.#fatal);
      return !this.#ignoreBOM && out.length > 0 && apply(charCodeAt, out, [0]) === 0xfeff ? apply(slice, out, [1]) : out;
    }
  }

  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const invalidCharacter = (message) => { const e = new Error(message); e.name = 'InvalidCharacterError'; return e; };
  const btoa = (data) => {
    const s = text(data);
    let out = '';
    for (let i = 0; i < s.length; i += 3) {
      const a = apply(charCodeAt, s, [i]), b = i + 1 < s.length ? apply(charCodeAt, s, [i + 1]) : 0, c = i + 2 < s.length ? apply(charCodeAt, s, [i + 2]) : 0;
      if (a > 255 || b > 255 || c > 255) throw invalidCharacter('btoa: the string has characters outside of Latin1');
      out += B64[a >> 2] + B64[((a & 3) << 4) | (b >> 4)] + (i + 1 < s.length ? B64[((b & 15) << 2) | (c >> 6)] : '=') + (i + 2 < s.length ? B64[c & 63] : '=');
    }
    return out;
  };
  const atob = (data) => {
    let s = '';
    const raw = text(data);
    for (let i = 0; i < raw.length; i++) { const ch = raw[i]; if (ch !== ' ' && ch !== '\t' && ch !== '\n' && ch !== '\f' && ch !== '\r') s += ch; }
    if (s.length % 4 === 0 && s.length > 0 && s[s.length - 1] === '=') s = apply(slice, s, [0, s[s.length - 2] === '=' ? -2 : -1]);
    if (s.length % 4 === 1) throw invalidCharacter('atob: the string is not correctly encoded');
    let out = '', bits = 0, count = 0;
    for (let i = 0; i < s.length; i++) {
      const v = apply(indexOf, B64, [s[i]]);
      if (v < 0) throw invalidCharacter('atob: the string is not correctly encoded');
      bits = (bits << 6) | v;
      count += 6;
      if (count >= 8) { count -= 8; out += fromCharCode((bits >> count) & 255); }
    }
    return out;
  };

  for (const [name, value] of [['URL', URL], ['URLSearchParams', URLSearchParams], ['TextEncoder', TextEncoder], ['TextDecoder', TextDecoder], ['btoa', btoa], ['atob', atob]]) {
    defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  }
  return { isURL, isSearchParams };
}`;

const MAX_URL_CHARS = 64 * 1024;

/**
 * The host half of the guest's URL: parses with Node's WHATWG URL and answers the parts as a JSON array (URL_PARTS
 * order), or null for an invalid URL. Called synchronously from the guest, so it checks every argument and never throws.
 */
export function parseUrlForGuest(op: unknown, url: unknown, second: unknown, value: unknown): string | null {
  if (typeof url !== 'string' || url.length > MAX_URL_CHARS) return null;
  try {
    let parsed: URL;
    if (op === 'parse') {
      if (second !== undefined && (typeof second !== 'string' || second.length > MAX_URL_CHARS)) return null;
      parsed = new URL(url, second);
    } else if (op === 'set' && typeof value === 'string' && value.length <= MAX_URL_CHARS && isSetter(second)) {
      parsed = new URL(url);
      parsed[second] = value;
    } else return null;
    return JSON.stringify(URL_PARTS.map((part) => parsed[part]));
  } catch {
    return null;
  }
}

function isSetter(name: unknown): name is (typeof URL_SETTERS)[number] {
  return typeof name === 'string' && (URL_SETTERS as readonly string[]).includes(name);
}
