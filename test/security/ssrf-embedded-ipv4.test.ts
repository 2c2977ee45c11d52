// Found while fixing issue #11 item 10: the SSRF guard knew only ::ffff:a.b.c.d as an IPv6 spelling of an IPv4
// address, so the metadata service and loopback passed as NAT64 (64:ff9b::/96), IPv4-compatible (::a.b.c.d) or
// 6to4 (2002:AABB:CCDD::) literals. Every IPv6 form that embeds an IPv4 address is now checked as that address.
import { describe, expect, it } from 'vitest';
import { httpRequest } from '../../nodes/http-request.js';
import { isPrivateAddress } from '../../nodes/http/ssrf-guard.js';
import type { NodeError } from '../../nodes/sdk/errors.js';
import { createTestNodeContext } from '../support/node-context.js';

const EMBEDDED_PRIVATE = [
  '64:ff9b::a9fe:a9fe',
  '64:ff9b::169.254.169.254',
  '::169.254.169.254',
  '::a9fe:a9fe',
  '2002:a9fe:a9fe::1',
  '2002:7f00:1::',
  '::127.0.0.1',
  '::ffff:10.0.0.1',
];

describe('SSRF guard: IPv4 addresses written as IPv6', () => {
  it.each(EMBEDDED_PRIVATE)('%s is private', (address) => expect(isPrivateAddress(address)).toBe(true));

  it('public addresses in the same forms stay public', () => {
    for (const address of ['64:ff9b::8.8.8.8', '2002:808:808::1', '::ffff:1.1.1.1', '2606:4700::1111'])
      expect(isPrivateAddress(address), address).toBe(false);
  });

  it('an http.request to one is refused before any connection', async () => {
    for (const address of EMBEDDED_PRIVATE) {
      const context = createTestNodeContext({ allowedHosts: [] });
      const err = await httpRequest.execute!(
        {},
        httpRequest.configSchema.parse({ url: `http://[${address}]/latest/meta-data` }) as never,
        context,
      ).catch((e: unknown) => e as NodeError);
      await context.close();
      expect(err, address).toMatchObject({ code: 'HTTP_SSRF_BLOCKED' });
    }
  });
});
