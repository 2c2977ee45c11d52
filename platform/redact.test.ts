import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { REDACTED, redactDeep, redactKnownDeep, redactText, SecretRegistry } from './redact.js';

describe('redactText: patterns', () => {
  const cases: [string, string, string][] = [
    ['bearer token', 'calling with Bearer abc.DEF-123_x~+/== now', `calling with Bearer ${REDACTED} now`],
    ['basic auth header', `Basic ${Buffer.from('alice:hunter2').toString('base64')}`, `Basic ${REDACTED}`],
    ['password=', 'login password=hunter2&user=alice', `login password=${REDACTED}&user=alice`],
    ['JSON password', '{"user":"alice","password": "hunter2"}', `{"user":"alice","password": "${REDACTED}"}`],
    ['escaped JSON password', '{\\"password\\":\\"hunter2\\"}', `{\\"password\\":\\"${REDACTED}\\"}`],
    ['api_key=', 'GET /v1?api_key=abc123def&page=2', `GET /v1?api_key=${REDACTED}&page=2`],
    ['apiKey:', "config { apiKey: 'abc123def' }", `config { apiKey: '${REDACTED}' }`],
    ['secret=', 'CLIENT_SECRET=s3cr3tvalue', `CLIENT_SECRET=${REDACTED}`],
    ['token=', 'callback?token=tok_123456', `callback?token=${REDACTED}`],
    ['authorization header', 'Authorization: Bearer abcdef123456', `Authorization: ${REDACTED}`],
    [
      'URL userinfo',
      'connect postgres://loom:p%40ss@db.internal:5432/loom failed',
      `connect postgres://loom:${REDACTED}@db.internal:5432/loom failed`,
    ],
    ['URL with @ in password', 'redis://:pa@ss@cache:6379', `redis://:${REDACTED}@cache:6379`],
    ['OpenAI key', 'key sk-abcdefghijklmnopqrstuvwxyz012345 rejected', `key ${REDACTED} rejected`],
    ['OpenAI project key', 'sk-proj-Ab3_dEfGhIjKlMnOpQrStUvWxYz-0123456789', REDACTED],
    ['GitHub classic token', `ghp_${'a1B2c3D4e5'.repeat(4)}`, REDACTED],
    ['GitHub OAuth token', `gho_${'Z9y8X7w6V5'.repeat(4)}`, REDACTED],
    ['GitHub fine-grained token', `github_pat_11ABCDEFG0${'x1_Y2z3'.repeat(8)}`, REDACTED],
    ['Slack token', 'xoxb-1234567890-0987654321-AbCdEfGhIjKl', REDACTED],
    ['AWS access key id', 'aws AKIAIOSFODNN7EXAMPLE ok', `aws ${REDACTED} ok`],
    ['Stripe live key', `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`, REDACTED],
    ['Stripe restricted key', 'rk_live_51H8abcdefGHIJKLmnop', REDACTED],
    [
      'JWT',
      'jwt eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end',
      `jwt ${REDACTED} end`,
    ],
    ['Loom refresh token', `lrt_${randomBytes(32).toString('base64url')}`, REDACTED],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it("keeps a Loom API key's public prefix and redacts its secret", () => {
    const key = `loom_abcd2345_${randomBytes(32).toString('base64url')}`;
    expect(redactText(`x-api-key ${key}.`)).toBe(`x-api-key loom_abcd2345_${REDACTED}.`);
  });

  it('redacts PEM private key blocks, also cut off ones', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy\n-----END RSA PRIVATE KEY-----';
    expect(redactText(`key:\n${pem}\nnext`)).toBe(`key:\n${REDACTED}\nnext`);
    expect(redactText('-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC')).toBe(REDACTED);
    expect(redactText('-----BEGIN CERTIFICATE-----\nMIIB')).toContain('MIIB');
  });

  it('leaves ordinary text alone', () => {
    for (const text of [
      'node fetch completed in 120 ms',
      'max_tokens=512 and token_count=10',
      'Basic authentication failed',
      'Sends Authorization: Bearer <token>.',
      'http://example.com:8080/path?page=2',
      'task-abcdefghijklmnopqrstuvwxyz',
      '"token": null',
    ]) {
      expect(redactText(text)).toBe(text);
    }
  });

  it('is idempotent', () => {
    const once = redactText('Authorization: Basic dXNlcjpwYXNz, password=x1, postgres://u:p@h/db, Bearer abcdefgh');
    expect(redactText(once)).toBe(once);
    expect(once).not.toMatch(/dXNlcjpwYXNz|x1|:p@|abcdefgh/);
  });
});

describe('redactText: known values', () => {
  it('replaces every occurrence of a known value, longest first', () => {
    expect(redactText('got plainvalue then plainvalue2', ['plainvalue', 'plainvalue2'])).toBe(`got ${REDACTED} then ${REDACTED}`);
  });

  it('ignores known values shorter than 4 characters', () => {
    expect(redactText('abc and abcd', ['abc', 'abcd'])).toBe(`abc and ${REDACTED}`);
  });

  it('a registry also catches the value URL-encoded and JSON-escaped', () => {
    const secrets = new SecretRegistry();
    secrets.add('p@ss "word"/x');
    secrets.add('no');
    expect(redactText('q=p%40ss%20%22word%22%2Fx', secrets)).toBe(`q=${REDACTED}`);
    expect(redactText(JSON.stringify({ v: 'p@ss "word"/x' }), secrets)).toBe(`{"v":"${REDACTED}"}`);
    expect(redactText('no way', secrets)).toBe('no way');
  });
});

describe('redactDeep', () => {
  it('redacts values under sensitive keys at any depth, case-insensitively, and keeps the keys', () => {
    const value = {
      user: 'alice',
      Password: 'hunter2',
      nested: {
        deeper: [
          { API_KEY: 'abc', accessToken: { t: 1 }, refresh_token: 'r', ClientSecret: 's', privateKey: 'k', authorization: 'Basic x' },
        ],
      },
      secret: null,
      passwd: 'x',
      token: 'y',
    };
    expect(redactDeep(value)).toEqual({
      user: 'alice',
      Password: REDACTED,
      nested: {
        deeper: [
          {
            API_KEY: REDACTED,
            accessToken: REDACTED,
            refresh_token: REDACTED,
            ClientSecret: REDACTED,
            privateKey: REDACTED,
            authorization: REDACTED,
          },
        ],
      },
      secret: null,
      passwd: REDACTED,
      token: REDACTED,
    });
    expect(value.Password).toBe('hunter2');
  });

  it('redacts strings everywhere with the patterns and the known values', () => {
    expect(
      redactDeep({ url: 'https://u:pw@h/', list: ['Bearer abcdefgh', 'my-known-secret!'], n: 3, ok: true }, ['my-known-secret']),
    ).toEqual({
      url: `https://u:${REDACTED}@h/`,
      list: [`Bearer ${REDACTED}`, `${REDACTED}!`],
      n: 3,
      ok: true,
    });
  });

  it('survives cycles and cuts off very deep values', () => {
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    expect(redactDeep(cyclic)).toEqual({ name: 'a', self: '[Circular]' });
    let deep: Record<string, unknown> = { password: 'x' };
    for (let i = 0; i < 100; i++) deep = { child: deep };
    expect(JSON.stringify(redactDeep(deep))).toContain('[Truncated]');
  });

  it('keeps errors errors, with message, stack and properties redacted', () => {
    const err = Object.assign(new TypeError('failed for postgres://u:pw@h/db'), { code: 'E1', password: 'pw2' });
    const copy = redactDeep(err) as TypeError & { code: string; password: string };
    expect(copy).toBeInstanceOf(TypeError);
    expect(copy.message).toBe(`failed for postgres://u:${REDACTED}@h/db`);
    expect(copy.stack).not.toContain(':pw@');
    expect(copy.code).toBe('E1');
    expect(copy.password).toBe(REDACTED);
  });
});

describe('logger', () => {
  function capture() {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    return { lines, log: createLogger({ level: 'info' }, stream) };
  }

  it('redacts a bearer token in a message and a password field anywhere in the logged object', () => {
    const { lines, log } = capture();
    log.info(
      { request: { headers: { Authorization: 'Bearer abc123' } }, db: { connection: { password: 'hunter2' } } },
      'sent Bearer abcdef123456 to the API',
    );
    const line = JSON.stringify(lines[0]);
    expect(lines[0]?.msg).toBe(`sent Bearer ${REDACTED} to the API`);
    expect(line).not.toContain('abc123');
    expect(line).not.toContain('hunter2');
    expect(line).toContain(`"password":"${REDACTED}"`);
  });

  it('redacts errors logged as the merging object or first argument, and printf arguments', () => {
    const { lines, log } = capture();
    log.error({ err: new Error('token=tok_secret_1 refused') }, 'call failed');
    log.error(new Error('login password=hunter2 refused'));
    log.warn('url %s', 'https://u:pw@h/');
    expect((lines[0]?.err as { message: string }).message).toBe(`token=${REDACTED} refused`);
    expect(lines[1]?.msg).toBe(`login password=${REDACTED} refused`);
    expect((lines[1]?.err as { type: string }).type).toBe('Error');
    expect(lines[2]?.msg).toBe(`url https://u:${REDACTED}@h/`);
  });
});

describe('redactKnownDeep: node outputs', () => {
  const secrets = new SecretRegistry();
  secrets.add('tok_4f9a2c7e1b');

  it('replaces a known value wherever it was echoed, and leaves data that only looks secret alone', () => {
    const output = {
      status: 200,
      body: {
        headers: { authorization: 'Bearer tok_4f9a2c7e1b', 'x-trace': 'abc' },
        seen: ['tok_4f9a2c7e1b'],
        byToken: { tok_4f9a2c7e1b: 1 },
      },
      // Data that a log sanitiser would blank out, but that is the node's legitimate result.
      generated: { password: 'new-user-initial-pw', note: 'token=visible-by-design' },
    };
    expect(redactKnownDeep(output, secrets)).toEqual({
      status: 200,
      body: { headers: { authorization: `Bearer ${REDACTED}`, 'x-trace': 'abc' }, seen: [REDACTED], byToken: { [REDACTED]: 1 } },
      generated: { password: 'new-user-initial-pw', note: 'token=visible-by-design' },
    });
  });

  it('returns the very same value when there is nothing to replace', () => {
    const output = { a: [1, { b: 'clean' }] };
    expect(redactKnownDeep(output, secrets)).toBe(output);
    expect(redactKnownDeep(output, new SecretRegistry())).toBe(output);
  });

  it('does not cut off deep data', () => {
    let deep: unknown = 'tok_4f9a2c7e1b';
    for (let i = 0; i < 100; i++) deep = { next: deep };
    let walked = redactKnownDeep(deep, secrets);
    for (let i = 0; i < 100; i++) walked = (walked as { next: unknown }).next;
    expect(walked).toBe(REDACTED);
  });
});
