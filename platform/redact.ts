// Sanitisation of everything Loom writes where people read it: application logs, node logs, run events and node
// errors all pass through here, so a secret that slipped into a message or a value is replaced before it is stored.
// Two kinds of secret are caught: values known to be secret (the credentials a node execution opened) and values
// that look secret (tokens in well-known formats, `password=` assignments, URL passwords, private keys).

export const REDACTED = '[REDACTED]';

/** Shorter known values are not replaced: "abc" would blank out half of every message. */
const MIN_KNOWN_LENGTH = 4;
/** Deeper than this a value is cut off: a runaway structure must not cost a log line its latency. */
const MAX_DEPTH = 32;
const TRUNCATED = '[Truncated]';
const CIRCULAR = '[Circular]';

/** Keys whose values are secret whatever they hold; compared lower-cased, without '-' and '_'. */
const SENSITIVE_KEYS = new Set([
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'apikey',
  'xapikey',
  'authorization',
  'proxyauthorization',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'sessiontoken',
  'clientsecret',
  'privatekey',
  'secretkey',
  'secretaccesskey',
  'cookie',
  'setcookie',
]);

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''));
}

/**
 * The secret values one node execution has seen (the credentials it opened). One per execution, never shared:
 * what one run opened must not leak into, or be guessed from, another run's logs.
 */
export class SecretRegistry implements Iterable<string> {
  private readonly values = new Set<string>();

  add(value: string): void {
    if (value.length < MIN_KNOWN_LENGTH) return;
    this.values.add(value);
    // The same secret often reappears encoded: in a query string, or inside a JSON string.
    this.values.add(encodeURIComponent(value));
    this.values.add(JSON.stringify(value).slice(1, -1));
  }

  get size(): number {
    return this.values.size;
  }

  [Symbol.iterator](): Iterator<string> {
    return this.values.values();
  }
}

// Key names of `key=value` / `"key": "value"` assignments whose value is redacted. An identifier prefix is
// allowed (`db_password`, `GITHUB_TOKEN`, `x-api-key`), a suffix is not (`tokens`, `token_count` are counts).
const KEY_WORDS = 'password|passwd|pwd|secret|token|api[_-]?key|authorization|private[_-]?key|secret[_-]?(?:access[_-]?)?key';
/** A bare (unquoted) value: up to a space, a quote or a delimiter. "[REDACTED]" is not one, so a rerun changes nothing. */
const BARE = `[^\\s"'\`,;&<>(){}\\[\\]]+`;
const ASSIGNMENT = new RegExp(
  `(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]*?(?:${KEY_WORDS})(?![A-Za-z0-9_-])\\\\?["']?\\s*[:=]\\s*)` +
    // The value: escaped-quoted (inside a JSON string), quoted, or bare; an auth scheme (`Authorization: Bearer x`) is
    // part of the value, and a scheme alone (`Bearer <token>` in a description) is no value.
    `(?:\\\\"((?:[^\\\\]|\\\\[^"])*?)\\\\"|"((?:[^"\\\\]|\\\\.)*)"|'((?:[^'\\\\]|\\\\.)*)'|(?!(?:null|true|false)\\b)((?:Bearer|Basic|Token|Digest)\\s+${BARE}|(?!(?:Bearer|Basic|Token|Digest)\\b)${BARE}))`,
  'gi',
);
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/?#]*):([^\s/?#]+)@/gi;
const BEARER = /\b(Bearer)\s+(?!\[REDACTED\])[A-Za-z0-9\-._~+/]+=*/gi;
const BASIC = /\b(Basic)\s+([A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])/gi;
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
const LOOM_API_KEY = /\b(loom_[A-Za-z0-9]{8}_)[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;
/** Tokens in well-known formats, replaced whole. */
const TOKEN_FORMATS = [
  /\bsk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_-]{20,}/g, // OpenAI (and Anthropic) API keys
  /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g, // GitHub tokens
  /\bxox[abprs]-[A-Za-z0-9-]{8,}/g, // Slack tokens
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key ids
  /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}/g, // Stripe secret and restricted keys
  /\beyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g, // JWTs
  /\blrt_[A-Za-z0-9_-]{20,}/g, // Loom refresh tokens
];
/**
 * A cheap test that lets most lines skip every pattern: each pattern needs one of these to match. Keep it a
 * superset when adding a pattern.
 */
const MAY_HOLD_SECRET =
  /-----BEGIN|:\/\/|pass|pwd|secret|token|key|authoriz|bearer|basic|sk-|_live_|_test_|gh[pousr]_|github_pat_|xox|AKIA|ASIA|eyJ|loom_|lrt_/i;

/** Known values, longest first, so a secret that contains another is replaced whole. */
function prepareKnown(known: Iterable<string> | undefined): string[] {
  if (!known) return [];
  const values = [...known].filter((v) => v.length >= MIN_KNOWN_LENGTH);
  return values.length > 1 ? values.sort((a, b) => b.length - a.length) : values;
}

/** Redacts `Basic <base64>` only when the base64 is credentials (`user:password`), not the word after "Basic". */
function redactBasic(match: string, scheme: string, encoded: string): string {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  return decoded.includes(':') && /^[\x20-\x7e]+$/.test(decoded) ? `${scheme} ${REDACTED}` : match;
}

function redactAssignment(_m: string, head: string, escaped?: string, double?: string, single?: string, bare?: string): string {
  if (escaped !== undefined) return `${head}\\"${escaped ? REDACTED : ''}\\"`;
  if (double !== undefined) return `${head}"${double ? REDACTED : ''}"`;
  if (single !== undefined) return `${head}'${single ? REDACTED : ''}'`;
  return bare ? `${head}${REDACTED}` : head;
}

function redactPrepared(text: string, known: readonly string[]): string {
  // Known values first: a pattern rewriting part of one must not leave the rest of it behind.
  let out = replaceKnown(text, known);
  if (!MAY_HOLD_SECRET.test(out)) return out;
  out = out.replace(PEM_PRIVATE_KEY, REDACTED);
  out = out.replace(URL_USERINFO, `$1:${REDACTED}@`);
  // Before BEARER and BASIC: `Authorization: Bearer x` loses its whole value, scheme included.
  out = out.replace(ASSIGNMENT, redactAssignment);
  out = out.replace(BEARER, `$1 ${REDACTED}`);
  out = out.replace(BASIC, redactBasic);
  out = out.replace(LOOM_API_KEY, `$1${REDACTED}`);
  for (const format of TOKEN_FORMATS) out = out.replace(format, REDACTED);
  return out;
}

/** Replaces known secret values and anything that looks like a secret with [REDACTED]. */
export function redactText(text: string, known?: Iterable<string>): string {
  return redactPrepared(text, prepareKnown(known));
}

/**
 * A copy of a JSON-like value with every string passed through redactText and every value under a sensitive key
 * (password, token, apiKey, authorization, ...) replaced. Errors stay errors (loggers treat them specially);
 * cycles become "[Circular]"; other class instances (dates, buffers) are kept as they are.
 */
export function redactDeep(value: Record<string, unknown>, known?: Iterable<string>): Record<string, unknown>;
export function redactDeep(value: unknown, known?: Iterable<string>): unknown;
export function redactDeep(value: unknown, known?: Iterable<string>): unknown {
  return walk(value, prepareKnown(known), 0, new Set());
}

/**
 * Only the known secret values replaced, wherever they occur in a JSON-like value's strings and keys. For data
 * rather than messages (a node's output): the patterns and sensitive keys of redactDeep would corrupt data that
 * merely looks secret, but a credential a node opened must never travel on inside what it returns (an API that
 * echoes the token it was sent). Copy on write: what holds no secret is returned as it is, the same object.
 */
export function redactKnownDeep<T>(value: T, known: Iterable<string>): T {
  const prepared = prepareKnown(known);
  return prepared.length === 0 ? value : (replaceKnownDeep(value, prepared, new Set()) as T);
}

function replaceKnown(text: string, known: readonly string[]): string {
  let out = text;
  for (const value of known) if (out.includes(value)) out = out.split(value).join(REDACTED);
  return out;
}

/** No depth limit: data is as deep as JSON.stringify could take it, and must not come back cut off. */
function replaceKnownDeep(value: unknown, known: readonly string[], ancestors: Set<object>): unknown {
  if (typeof value === 'string') return replaceKnown(value, known);
  if (typeof value !== 'object' || value === null || ancestors.has(value)) return value;
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const out = value.map((v) => replaceKnownDeep(v, known, ancestors));
      return out.some((v, i) => v !== value[i]) ? out : value;
    }
    let changed = false;
    const entries = Object.entries(value).map(([k, v]) => {
      const key = replaceKnown(k, known);
      const replaced = replaceKnownDeep(v, known, ancestors);
      if (key !== k || replaced !== v) changed = true;
      return [key, replaced] as const;
    });
    return changed ? Object.fromEntries(entries) : value;
  } finally {
    ancestors.delete(value);
  }
}

function walk(value: unknown, known: readonly string[], depth: number, ancestors: Set<object>): unknown {
  if (typeof value === 'string') return redactPrepared(value, known);
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof URL) return redactPrepared(value.href, known);
  const isArray = Array.isArray(value);
  const isError = value instanceof Error;
  if (!isArray && !isError && !isPlainObject(value)) return value;
  if (ancestors.has(value)) return CIRCULAR;
  if (depth >= MAX_DEPTH) return TRUNCATED;
  ancestors.add(value);
  try {
    const child = (v: unknown) => walk(v, known, depth + 1, ancestors);
    if (isArray) return value.map(child);
    if (isError) return copyError(value, (key, v) => (isSensitiveKey(key) && v != null ? REDACTED : child(v)));
    const copy: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) copy[key] = isSensitiveKey(key) && v != null ? REDACTED : child(v);
    return copy;
  } finally {
    ancestors.delete(value);
  }
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Same class, same own data properties (message, stack, cause, code, ...) redacted; getters are not called. */
function copyError(error: Error, redact: (key: string, value: unknown) => unknown): Error {
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
  for (const key of Object.getOwnPropertyNames(error)) {
    const descriptor = Object.getOwnPropertyDescriptor(error, key);
    if (!descriptor || !('value' in descriptor)) continue;
    Object.defineProperty(copy, key, { ...descriptor, value: redact(key, descriptor.value) });
  }
  return copy;
}
