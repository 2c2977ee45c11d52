// Issue #11 item 7, the rules under the guarded client's redirects: what crosses to another origin (a safelist of
// headers, no secret in a header or the query), the allowlist on every hop, and a bound on hops.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHop, headersForHop, urlForHop } from '../../nodes/http/redirects.js';
import { httpRequest } from '../../nodes/http-request.js';
import type { NodeError } from '../../nodes/sdk/errors.js';
import { startHttpPeer, type HttpPeer } from '../support/http-peer.js';
import { createTestNodeContext } from '../support/node-context.js';

const SECRET = 'sk_live_0123456789abcdef';
let peer: HttpPeer;

beforeAll(async () => {
  peer = await startHttpPeer((app) => {
    app.get('/loop/:n', async (req, reply) => reply.redirect(`/loop/${Number((req.params as { n: string }).n) + 1}`, 302));
  });
});
afterAll(() => peer?.close());

describe('redirect policy', () => {
  const from = new URL('https://api.example.com/a');
  const headers = () =>
    new Headers({
      authorization: `Bearer ${SECRET}`,
      cookie: 'sid=1',
      'proxy-authorization': 'Basic x',
      'x-api-key': SECRET,
      'x-custom': 'v',
      accept: 'application/json',
      'user-agent': `agent ${SECRET}`,
    });

  it('sends only descriptive headers, none holding a secret, to another origin: host, port or scheme', () => {
    for (const next of ['https://evil.example/b', 'https://api.example.com:8443/b', 'http://api.example.com/b']) {
      expect([...headersForHop(headers(), from, new URL(next), [SECRET]).keys()], next).toEqual(['accept']);
    }
    expect([...headersForHop(headers(), from, new URL('https://api.example.com/c'), [SECRET]).keys()]).toHaveLength(7);
  });

  it('removes query parameters carrying a secret from a URL on another origin', () => {
    expect(urlForHop(from, new URL(`https://evil.example/b?api_key=${SECRET}&page=2`), [SECRET]).search).toBe('?page=2');
    expect(urlForHop(from, new URL(`https://api.example.com/b?api_key=${SECRET}`), [SECRET]).search).toBe(`?api_key=${SECRET}`);
  });

  it('checks every new host against the allowlist; back to the first host is fine', () => {
    expect(() => checkHop('api.example.com', 'evil.example', ['api.example.com'])).toThrow(
      expect.objectContaining({ code: 'HTTP_REDIRECT_BLOCKED' }),
    );
    expect(() => checkHop('api.example.com', 'eu.partner.io', ['*.partner.io'])).not.toThrow();
    expect(() => checkHop('unlisted.example', 'unlisted.example', ['x.io'])).not.toThrow();
    expect(() => checkHop('api.example.com', 'evil.example', undefined)).not.toThrow();
  });

  it('stops after a bounded number of hops with HTTP_TOO_MANY_REDIRECTS', async () => {
    const context = createTestNodeContext();
    const err = await httpRequest.execute!({}, httpRequest.configSchema.parse({ url: `${peer.url}/loop/0` }) as never, context).catch(
      (e: unknown) => e as NodeError,
    );
    await context.close();
    expect(err).toMatchObject({ code: 'HTTP_TOO_MANY_REDIRECTS', retryable: false });
    expect(peer.requests.length).toBe(6);
  });
});
