// Where a string holds something that looks like a secret: known key shapes, JWTs, private keys, `Bearer <token>`,
// credentials inside URLs and high-entropy tokens. `{{ }}` expressions are never secrets (they name where one comes
// from) and are skipped. Linear in the string's length: the text is cut into tokens by one scan, and every regex
// runs anchored on one token of bounded length, so no input can make a pattern backtrack across the whole string.
export const SECRET_KINDS = [
  'private_key',
  'openai_key',
  'github_token',
  'slack_token',
  'aws_access_key',
  'stripe_key',
  'google_api_key',
  'jwt',
  'bearer_token',
  'auth_header',
  'sensitive_field',
  'url_userinfo',
  'url_secret_param',
  'high_entropy',
] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];

export interface SecretSpan {
  kind: SecretKind;
  start: number;
  end: number;
}

/** Key shapes, tried in order on each token; the first that matches names the kind. */
const SHAPES: readonly [SecretKind, RegExp][] = [
  ['openai_key', /^sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}$/],
  ['github_token', /^(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})$/],
  ['slack_token', /^xox[abposr]-[A-Za-z0-9-]{10,}$/],
  ['aws_access_key', /^(?:AKIA|ASIA)[0-9A-Z]{16}$/],
  ['stripe_key', /^[rs]k_(?:live|test)_[A-Za-z0-9]{16,}$/],
  ['google_api_key', /^AIza[0-9A-Za-z_-]{35}$/],
  ['jwt', /^eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*$/],
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOKEN_ALPHABET = /^[A-Za-z0-9+/_-]+$/;
/** Query parameters whose value is a credential: key, token, secret, password, api_key and their variants. */
const SECRET_PARAM =
  /^(?:key|api[-_]?key|apikey|token|access[-_]?token|auth[-_]?token|secret|client[-_]?secret|password|passwd|pwd|sig|signature)$/i;

const MIN_RANDOM_LENGTH = 24;
const MAX_TOKEN_LENGTH = 512;
/** Bits per character: random base62 of 24 characters averages about 4.2, English identifiers stay under 3.5. */
const MIN_ENTROPY = 3.5;
/** Random hex of 24 characters averages about 3.6 bits per character. */
const MIN_HEX_ENTROPY = 3.0;
/**
 * Share of neighbouring letters and digits of different classes (lower, upper, digit): random base62 about 0.6,
 * random hex or base36 about 0.45, camelCase identifiers 0.25 at most (two changes per word of four or more letters).
 */
const MIN_CLASS_CHANGES = 0.3;
/** Mixed-case tokens made of words this long on average are identifiers (random base62 of 24: 99th percentile 3.0). */
const MAX_MEAN_WORD_LENGTH = 3.2;

/** The text with every complete `{{ ... }}` replaced by spaces, so offsets still match the original. */
export function maskExpressions(text: string): string {
  let out = '';
  let from = 0;
  for (;;) {
    const open = text.indexOf('{{', from);
    const close = open < 0 ? -1 : text.indexOf('}}', open + 2);
    if (close < 0) return out + text.slice(from);
    out += text.slice(from, open) + ' '.repeat(close + 2 - open);
    from = close + 2;
  }
}

const isWordBreak = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || `"'\`<>()[]{},;|\\`.includes(c);
const isTokenChar = (c: string) => /[A-Za-z0-9_.+/~-]/.test(c);

/** Every secret-looking span of `text` (expressions excluded), sorted and not overlapping. */
export function findSecrets(text: string): SecretSpan[] {
  const masked = maskExpressions(text);
  const spans: SecretSpan[] = [];
  privateKeys(masked, spans);
  let previous: { text: string; start: number } | undefined;
  forEachRun(masked, 0, masked.length, isWordBreak, (start, end) => {
    const word = masked.slice(start, end);
    if (word.includes('://')) {
      urlSecrets(masked, start, end, spans);
      previous = undefined;
      return;
    }
    forEachRun(
      masked,
      start,
      end,
      (c) => !isTokenChar(c),
      (ts, te) => {
        // A sentence's full stop is not part of the token before it.
        while (te > ts && masked[te - 1] === '.') te--;
        if (te <= ts) return;
        const token = masked.slice(ts, te);
        if (previous && /^bearer$/i.test(previous.text) && token.length >= 8 && !/^[a-z]+$/.test(token)) {
          spans.push({ kind: 'bearer_token', start: previous.start, end: te });
        } else {
          const kind = tokenKind(token);
          if (kind) spans.push({ kind, start: ts, end: te });
        }
        previous = { text: token, start: ts };
      },
    );
  });
  return merge(spans);
}

/** The kind of secret a single token looks like, if any. */
export function tokenKind(token: string): SecretKind | undefined {
  if (token.length < 12 || token.length > MAX_TOKEN_LENGTH) return undefined;
  for (const [kind, shape] of SHAPES) if (shape.test(token)) return kind;
  return looksRandom(token) ? 'high_entropy' : undefined;
}

function looksRandom(token: string): boolean {
  if (token.length < MIN_RANDOM_LENGTH || !TOKEN_ALPHABET.test(token) || UUID.test(token)) return false;
  if (!/[0-9]/.test(token) || !/[A-Za-z]/.test(token)) return false;
  const counts = new Map<string, number>();
  // Class changes between neighbouring letters and digits; separators (_ - + / =) are skipped, so snake_case and
  // kebab-case words count as the words they are.
  let changes = 0;
  let pairs = 0;
  let previousClass = -1;
  for (const c of token) {
    counts.set(c, (counts.get(c) ?? 0) + 1);
    const cls = charClass(c);
    if (cls === 3) continue;
    if (previousClass >= 0) {
      pairs++;
      if (cls !== previousClass) changes++;
    }
    previousClass = cls;
  }
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / token.length;
    entropy -= p * Math.log2(p);
  }
  // One letter case: no camelCase to mistake, and hex tops out at 4 bits a character, so both bars are lower.
  const oneCase = !/[a-z]/.test(token) || !/[A-Z]/.test(token);
  const hex = /^[0-9a-f]+$/i.test(token);
  const minChanges = oneCase ? MIN_CLASS_CHANGES / 2 : MIN_CLASS_CHANGES;
  if (entropy < (hex ? MIN_HEX_ENTROPY : MIN_ENTROPY) || pairs === 0 || changes / pairs < minChanges) return false;
  return oneCase || meanWordLength(token) < MAX_MEAN_WORD_LENGTH;
}

/** Mean length of the camelCase words and digit runs of a token: "HttpRequestNode" 4.3, random base62 about 1.9. */
function meanWordLength(token: string): number {
  const words = token.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+/g) ?? [];
  return words.length === 0 ? 0 : words.reduce((sum, w) => sum + w.length, 0) / words.length;
}

function charClass(c: string): number {
  return c >= 'a' && c <= 'z' ? 0 : c >= 'A' && c <= 'Z' ? 1 : c >= '0' && c <= '9' ? 2 : 3;
}

/** `-----BEGIN ... PRIVATE KEY-----` through its END line (or the end of the text). */
function privateKeys(text: string, spans: SecretSpan[]): void {
  for (let from = 0; ;) {
    const start = text.indexOf('-----BEGIN', from);
    if (start < 0) return;
    const headerEnd = text.indexOf('-----', start + 10);
    if (headerEnd < 0) return;
    if (!text.slice(start, headerEnd).includes('PRIVATE KEY')) {
      from = headerEnd + 5;
      continue;
    }
    const footer = text.indexOf('-----END', headerEnd + 5);
    const footerEnd = footer < 0 ? -1 : text.indexOf('-----', footer + 8);
    const end = footerEnd < 0 ? text.length : footerEnd + 5;
    spans.push({ kind: 'private_key', start, end });
    from = end;
  }
}

/** `scheme://user:pass@host` userinfo, secret-named query parameters, and key-shaped path segments or values. */
function urlSecrets(text: string, start: number, end: number, spans: SecretSpan[]): void {
  // Every scan below stays inside [start, end): a megabyte of URL-like words must not cost a megabyte each.
  const authorityStart = text.indexOf('://', start) + 3;
  let authorityEnd = authorityStart;
  let at = -1;
  for (; authorityEnd < end && !'/?#'.includes(text[authorityEnd]!); authorityEnd++) if (text[authorityEnd] === '@') at = authorityEnd;
  if (at >= 0) spans.push({ kind: 'url_userinfo', start: authorityStart, end: at + 1 });
  let queryStart = authorityEnd;
  while (queryStart < end && text[queryStart] !== '?') queryStart++;
  if (queryStart < end) queryStart++;
  // Path segments: a Slack webhook or a bot token travels in the path.
  forEachRun(
    text,
    authorityEnd,
    queryStart,
    (c) => c === '/' || c === '?' || c === '#',
    (s, e) => {
      const kind = tokenKind(text.slice(s, e));
      if (kind) spans.push({ kind, start: s, end: e });
    },
  );
  forEachRun(
    text,
    queryStart,
    end,
    (c) => c === '&' || c === '#',
    (s, e) => {
      let eq = s;
      while (eq < e && text[eq] !== '=') eq++;
      if (eq + 1 >= e) return;
      let name = text.slice(s, eq);
      try {
        name = decodeURIComponent(name);
      } catch {
        // A malformed escape: judge the name as written.
      }
      const kind = SECRET_PARAM.test(name) ? 'url_secret_param' : tokenKind(text.slice(eq + 1, e));
      if (kind) spans.push({ kind, start: eq + 1, end: e });
    },
  );
}

/** Calls `visit` with each maximal run of [from, to) that contains no separator. */
function forEachRun(
  text: string,
  from: number,
  to: number,
  isSeparator: (c: string) => boolean,
  visit: (start: number, end: number) => void,
): void {
  let runStart = -1;
  for (let i = from; i <= to; i++) {
    const separator = i === to || isSeparator(text[i]!);
    if (separator && runStart >= 0) {
      visit(runStart, i);
      runStart = -1;
    } else if (!separator && runStart < 0) runStart = i;
  }
}

function merge(spans: SecretSpan[]): SecretSpan[] {
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: SecretSpan[] = [];
  for (const span of spans) {
    const last = out.at(-1);
    if (last && span.start < last.end) last.end = Math.max(last.end, span.end);
    else out.push({ ...span });
  }
  return out;
}

/** `text` without the spans (each cut out whole). */
export function cutSpans(text: string, spans: readonly SecretSpan[]): string {
  let out = '';
  let from = 0;
  for (const span of spans) {
    out += text.slice(from, span.start);
    from = span.end;
  }
  return out + text.slice(from);
}
