// The readable text of an HTML document, by one linear scan: no regular expressions (nothing to backtrack on), no
// DOM (nothing to build), so time and memory stay proportional to the input. Script, style and template contents,
// comments and tags are dropped; block-level tags become line breaks; the common character references are decoded.
// Not a full HTML parser (malformed markup is read leniently, character references beyond the common named ones stay
// as written), which is what text for search and prompts needs.

const SKIPPED = ['script', 'style', 'template', 'noscript', 'head'];
const BLOCK = new Set([
  'p',
  'div',
  'br',
  'li',
  'ul',
  'ol',
  'tr',
  'table',
  'section',
  'article',
  'header',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'pre',
  'blockquote',
  'hr',
  'title',
]);
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

function tagName(html: string, from: number): string {
  let end = from;
  while (end < html.length && end - from < 20) {
    const c = html.charCodeAt(end);
    const letterOrDigit = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
    if (!letterOrDigit) break;
    end++;
  }
  return html.slice(from, end).toLowerCase();
}

function decodeReference(ref: string): string | undefined {
  if (NAMED[ref] !== undefined) return NAMED[ref];
  const hex = ref.startsWith('#x') || ref.startsWith('#X');
  if (!ref.startsWith('#')) return undefined;
  const code = Number.parseInt(ref.slice(hex ? 2 : 1), hex ? 16 : 10);
  if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return String.fromCodePoint(code);
}

function decodeText(text: string): string {
  let out = '';
  let at = 0;
  for (let amp = text.indexOf('&'); amp >= 0; amp = text.indexOf('&', at)) {
    const semi = text.indexOf(';', amp);
    const decoded = semi > amp && semi - amp <= 10 ? decodeReference(text.slice(amp + 1, semi)) : undefined;
    out += text.slice(at, amp) + (decoded ?? '&');
    at = decoded === undefined ? amp + 1 : semi + 1;
  }
  return out + text.slice(at);
}

/** The text of `html`, at most `maxChars` characters; `truncated` when more was there. */
export function htmlToText(html: string, maxChars: number): { text: string; truncated: boolean } {
  const parts: string[] = [];
  let length = 0;
  let at = 0;
  const push = (s: string) => {
    parts.push(s);
    length += s.length;
  };
  while (at < html.length && length <= maxChars) {
    const open = html.indexOf('<', at);
    push(decodeText(html.slice(at, open < 0 ? html.length : open)));
    if (open < 0) {
      at = html.length;
      break;
    }
    if (html.startsWith('<!--', open)) {
      const close = html.indexOf('-->', open + 4);
      at = close < 0 ? html.length : close + 3;
      continue;
    }
    const closing = html[open + 1] === '/';
    const name = tagName(html, open + (closing ? 2 : 1));
    const end = html.indexOf('>', open + 1);
    at = end < 0 ? html.length : end + 1;
    if (!closing && SKIPPED.includes(name)) {
      // Everything up to the matching end tag is not text (a script's `<` and `>` included).
      let close = html.indexOf('</', at);
      while (close >= 0 && tagName(html, close + 2) !== name) close = html.indexOf('</', close + 2);
      at = close < 0 ? html.length : close;
      continue;
    }
    if (BLOCK.has(name)) push('\n');
    else if (name) push(' ');
  }
  const joined = parts
    .join('')
    .split('\n')
    .map((line) =>
      line
        .split(/[ \t\r\f\v]+/)
        .join(' ')
        .trim(),
    )
    .filter((line) => line.length > 0)
    .join('\n');
  const truncated = joined.length > maxChars || at < html.length;
  return { text: joined.slice(0, maxChars), truncated };
}
