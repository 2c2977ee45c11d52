// Issue #11 item 10: the compiler read a URL's host with a regex while the request used the URL parser, so
// `http://127.0.0.3:PORT\@127.0.0.2/echo` was checked as 127.0.0.2 and went to 127.0.0.3. Property: for random and
// adversarial URL strings (and templates whose expressions come after the literal part), the host the compiler
// checks is the host the guarded client really connects to, observed on real local servers bound to 127.0.0.x.
import { lookup } from 'node:dns/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostAllowed, staticRequestHost } from '../../compiler/request-host.js';
import { createHttpClientFactory } from '../../nodes/http/client.js';
import { staticHost } from '../../nodes/http-request.js';

const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '::1'];
const servers: Server[] = [];
let port = 0;
let hits = 0;
const http = createHttpClientFactory({ allowedHosts: ['127.0.0.0/8', '::1'] });
const client = http.forNode({ signal: new AbortController().signal, timeoutMs: 2_000 });

function listen(host: string, wanted: number): Promise<Server> {
  const server = createServer((req, res) => {
    hits++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ local: req.socket.localAddress }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(wanted, host, () => resolve(server));
  });
}

beforeAll(async () => {
  // The same port on every address, so a URL can only pick the server by its host.
  for (let attempt = 0; attempt < 5 && servers.length < ADDRESSES.length; attempt++) {
    for (const s of servers.splice(0)) s.close();
    try {
      const first = await listen('127.0.0.1', 0);
      servers.push(first);
      port = (first.address() as AddressInfo).port;
      for (const a of ADDRESSES.slice(1)) servers.push(await listen(a, port));
    } catch {
      continue;
    }
  }
  expect(servers).toHaveLength(ADDRESSES.length);
});
afterAll(async () => {
  for (const s of servers) s.close();
  await http.close();
});

/** The addresses a checked host stands for: an IP is itself, a name what DNS says. */
async function addressesOf(host: string): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  // The parser writes an IPv4-mapped address in hex (::ffff:7f00:2); the server sees 127.0.0.2.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(bare);
  if (mapped)
    return [
      [parseInt(mapped[1]!, 16) >> 8, parseInt(mapped[1]!, 16) & 255, parseInt(mapped[2]!, 16) >> 8, parseInt(mapped[2]!, 16) & 255].join(
        '.',
      ),
    ];
  if (/^[\d.]+$|:/.test(bare)) return [bare];
  return (await lookup(bare, { all: true }).catch(() => [])).map((a) => a.address);
}

/** Where the request really went: the server's local address, or undefined when it reached none. */
async function connectedTo(url: string): Promise<string | undefined> {
  const before = hits;
  const response = await client.fetch(url).catch(() => undefined);
  if (!response || !response.ok) {
    await response?.body?.cancel();
    expect(hits, `${JSON.stringify(url)} reached a server without a readable answer`).toBe(before);
    return undefined;
  }
  const { local } = (await response.json()) as { local: string };
  return local.replace(/^::ffff:/i, '');
}

const P = () => String(port);
const scheme = fc.constantFrom(
  'http://',
  'HTTP://',
  'http:',
  'http:/',
  'http:\\\\',
  'http:/\\',
  ' http://',
  '\thttp://',
  'https://',
  'ftp://',
);
const userinfo = fc.constantFrom(
  '',
  'user@',
  'u:p@',
  '127.0.0.2@',
  `127.0.0.3:PORT@`,
  '127.0.0.3:PORT\\@',
  '127.0.0.2%40',
  'a@b@',
  '[::1]@',
  ':@',
);
const host = fc.constantFrom(
  '127.0.0.2',
  '127.0.0.3',
  '2130706434',
  '0x7f.0.0.3',
  '0177.0.0.2',
  '127.3',
  '127.0.0.%32',
  '\uff11\uff12\uff17.\uff10.\uff10.\uff13',
  'localhost',
  'LocalHost.',
  '[::1]',
  '[0:0:0:0:0:0:0:1]',
  '[::ffff:127.0.0.2]',
  '127.0.0.2.',
  '127.0.0.3%2e',
  '127.0.0.1',
);
const portPart = fc.constantFrom(':PORT', ':0PORT', ':PORT', ':PORT', '', ':PORT:1', ': PORT');
const delimiter = fc.constantFrom(
  '/',
  '\\',
  '?',
  '#',
  '/\\',
  '',
  '\\@127.0.0.3:PORT/',
  '@127.0.0.3:PORT/',
  '%2F@127.0.0.2:PORT/',
  ';@127.0.0.3:PORT/',
);
const rest = fc.constantFrom('echo', '', '@127.0.0.3:PORT/x', '..\\..\\x', '?a=@127.0.0.3', '#@127.0.0.3');
const noise = fc.array(
  fc.tuple(fc.nat(), fc.constantFrom('\t', '\n', ' ', '@', '\\', '/', ':', '%', '.', '[', ']', '#', '?', '\u00ad', '\u3002')),
  { maxLength: 2 },
);

const adversarialUrl = fc.tuple(scheme, userinfo, host, portPart, delimiter, rest, noise).map(([s, u, h, p, d, r, n]) => {
  let url = `${s}${u}${h}${p}${d}${r}`;
  for (const [at, ch] of n) {
    const i = at % (url.length + 1);
    url = url.slice(0, i) + ch + url.slice(i);
  }
  return url.replaceAll('PORT', P());
});

describe('one reading of a URL host, at compile time and at connect time', () => {
  it('the reported bypass: the backslash ends the authority, so the host is 127.0.0.3', async () => {
    const url = `http://127.0.0.3:${P()}\\@127.0.0.2/echo`;
    expect(staticHost(url)).toEqual(['127.0.0.3']);
    expect(hostAllowed(staticHost(url)![0]!, ['127.0.0.2'])).toBe(false);
    expect(await connectedTo(url)).toBe('127.0.0.3');
  });

  it("random adversarial URLs: the compiler's host is where the connection goes", async () => {
    await fc.assert(
      fc.asyncProperty(adversarialUrl, async (url) => {
        const checked = staticRequestHost(url);
        const went = await connectedTo(url);
        if (went === undefined) return;
        expect(checked, `${JSON.stringify(url)} connected to ${went} but the compiler saw no host`).toBeDefined();
        expect(await addressesOf(checked!), JSON.stringify(url)).toContain(went);
      }),
      { numRuns: 400 },
    );
  });

  it('templates: when the compiler claims a host, no expression value after it moves the connection', async () => {
    const value = fc.constantFrom(
      'x',
      '@127.0.0.3',
      `@127.0.0.3:${P()}/`,
      `${P()}@127.0.0.3:${P()}/`,
      '.3',
      '\\@127.0.0.3/',
      '/../',
      '0',
      '',
    );
    await fc.assert(
      fc.asyncProperty(adversarialUrl, fc.nat(), value, async (url, at, v) => {
        const i = at % (url.length + 1);
        const template = `${url.slice(0, i)}{{ $json.v }}${url.slice(i)}`;
        const checked = staticRequestHost(template);
        if (checked === undefined) return;
        const went = await connectedTo(`${url.slice(0, i)}${v}${url.slice(i)}`);
        if (went === undefined) return;
        expect(await addressesOf(checked), `${JSON.stringify(template)} with ${JSON.stringify(v)}`).toContain(went);
      }),
      { numRuns: 400 },
    );
  });

  it("allowlist entries and hosts compare in the parser's form", () => {
    expect(hostAllowed('127.0.0.2', ['2130706434'])).toBe(true);
    expect(hostAllowed('[::1]', ['0:0:0:0:0:0:0:1'])).toBe(true);
    expect(hostAllowed('api.example.com.', ['api.example.com'])).toBe(true);
    expect(hostAllowed('api.example.com.evil.io', ['*.example.com'])).toBe(false);
    expect(staticHost('https://api.example.com:{{ $json.port }}/x')).toBeUndefined();
  });
});
