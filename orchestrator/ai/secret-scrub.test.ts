// Secret scrubbing: a corpus of secrets that must be found and removed and of ordinary values that must survive,
// the header and field rules, document-level paths, a property over random words, and bounded work on 1 MB strings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WorkflowDocument } from '../../compiler/document.js';
import { findSecrets, type SecretKind } from './secret-patterns.js';
import { scrubSecrets } from './secret-scrub.js';

/** Deterministic key-like text, built at run time so the repository holds no key-shaped literal. */
function fake(prefix: string, length: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
  let seed = prefix.length * 7919 + length;
  let out = prefix;
  while (out.length < prefix.length + length) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    out += alphabet[(seed >>> 12) % alphabet.length];
  }
  return out;
}
const b64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const jwt = `eyJ${fake('', 30, b64url)}.eyJ${fake('', 40, b64url)}.${fake('', 43, b64url)}`;

const kinds = (text: string) => findSecrets(text).map((s) => s.kind);

const positives: [string, string, SecretKind][] = [
  ['an OpenAI key', fake('sk-', 48), 'openai_key'],
  ['an OpenAI project key', fake('sk-proj-', 60), 'openai_key'],
  ['a GitHub token', fake('ghp_', 36), 'github_token'],
  ['a fine-grained GitHub token', fake('github_pat_', 70), 'github_token'],
  ['a Slack bot token', `xoxb-${fake('', 12, '0123456789')}-${fake('', 24)}`, 'slack_token'],
  ['an AWS access key id', fake('AKIA', 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'), 'aws_access_key'],
  ['a Stripe live key', fake('sk_live_', 24), 'stripe_key'],
  ['a Google API key', fake('AIza', 35), 'google_api_key'],
  ['a JWT', jwt, 'jwt'],
  ['a bearer token in a sentence', `call it with Bearer ${fake('', 32)} please`, 'bearer_token'],
  ['a lowercase bearer scheme', `authorization: bearer ${fake('tok_', 20)}`, 'bearer_token'],
  ['URL userinfo', 'https://admin:hunter22@db.example.com/x', 'url_userinfo'],
  ['a token query parameter', 'https://api.example.com/v1?token=abc123&page=2', 'url_secret_param'],
  ['an api_key query parameter', 'https://api.example.com/v1?page=1&api_key=abcdef', 'url_secret_param'],
  ['a password query parameter', 'postgres://db.example.com/app?sslmode=require&password=s3cret', 'url_secret_param'],
  ['a Slack webhook path', `https://hooks.slack.com/services/T0000/B0000/${fake('', 24)}`, 'high_entropy'],
  ['a random token', fake('', 40), 'high_entropy'],
  ['a hex secret', fake('', 40, '0123456789abcdef'), 'high_entropy'],
  ['a key in code', `const client = new OpenAI({ apiKey: "${fake('sk-', 48)}" });`, 'openai_key'],
  ['an env assignment', `OPENAI_API_KEY=${fake('sk-', 48)}`, 'openai_key'],
  ['a private key', `-----BEGIN RSA PRIVATE KEY-----\n${fake('', 64)}\n-----END RSA PRIVATE KEY-----`, 'private_key'],
];

const negatives: [string, string][] = [
  ['an expression', '{{ $json.body.token }}'],
  ['an expression with a bearer scheme', 'Bearer {{ $credentials.token }}'],
  ['a URL without credentials', 'https://api.example.com/v1/orders/12345?page=2&sort=desc#top'],
  ['a URL whose query names an expression', 'https://api.example.com/v1?token={{ $json.token }}'],
  ['a UUID', '123e4567-e89b-12d3-a456-426614174000'],
  ['a sentence', 'Summarize the orders of the day and send them to the sales channel.'],
  ['a hex colour', '#ff8800'],
  ['a short string', 'abc123'],
  ['a camelCase identifier', 'processCustomerOrdersQueueHandler2024'],
  ['a snake_case identifier', 'customer_order_summary_report_2024_11'],
  ['a single-case identifier with numbers', 'order_items_v2_batch_2024_11_30'],
  ['a kebab-case build name', 'release-2024-11-30-hotfix-build-17'],
  ['a PascalCase type name', 'HttpRequestNodeConfig2SchemaV10'],
  ['an alphabet', 'abcdefghijklmnopqrstuvwxyz0123456789'],
  ['a semantic version', 'v1.22.3-beta.4+build.20241130'],
  ['an ISO date', '2024-11-30T12:00:00.000Z'],
  ['a file path', '/usr/local/lib/python3.11/site-packages/requests'],
  ['a host name', 'orders-api.internal.example.com'],
  ['a cron expression', '0 9 * * 1-5'],
  ['SQL', 'SELECT id, total FROM orders WHERE created_at > now() - interval 1 day'],
  ['an email address', 'orders-team@example.com'],
  ['a placeholder bearer', 'the bearer of this message'],
  ['a public Stripe key', fake('pk_live_', 24, 'abcdefghijklmnopqrstuvwxyz')],
  ['an unterminated expression is text, and this text is harmless', '{{ $json.a'],
];

describe('findSecrets', () => {
  it.each(positives)('finds %s', (_what, text, kind) => {
    expect(kinds(text)).toContain(kind);
  });
  it.each(negatives)('leaves %s alone', (_what, text) => {
    expect(findSecrets(text)).toEqual([]);
  });
});

function docWith(config: Record<string, unknown>, type = 'http.request'): WorkflowDocument {
  return {
    nodes: [
      { id: 'start', type: 'trigger.manual', config: {} },
      { id: 'call', type, name: 'Call', config },
    ],
    edges: [{ id: 'e1', source: 'start', sourceHandle: 'out', target: 'call', targetHandle: 'in' }],
  };
}

describe('scrubSecrets', () => {
  it('removes every secret of the corpus from a config, whatever the depth, and reports where it was', () => {
    const config = { deep: { list: positives.map(([, text]) => ({ text })) } };
    const { document, findings } = scrubSecrets(docWith(config));
    expect(findings.map((f) => f.kind)).toEqual(positives.map(([, , kind]) => kind));
    expect(findings[0]).toEqual({ nodeId: 'call', path: ['config', 'deep', 'list', 0, 'text'], kind: 'openai_key' });
    const scrubbed = JSON.stringify(document);
    for (const [, text, kind] of positives) {
      for (const span of findSecrets(text)) expect(scrubbed, kind).not.toContain(text.slice(span.start, span.end));
    }
  });

  it('cuts out only the secret: the rest of a sentence or a URL stays', () => {
    const key = fake('sk-', 48);
    const { document } = scrubSecrets(
      docWith({
        code: `const key = "${key}";\nreturn input;`,
        url: 'https://admin:hunter22@db.example.com/x?token=abc&page=2',
        note: `use Bearer ${fake('', 32)} here`,
      }),
    );
    expect(document.nodes[1]!.config).toEqual({
      code: 'const key = "";\nreturn input;',
      url: 'https://db.example.com/x?token=&page=2',
      note: 'use  here',
    });
  });

  it('empties credential headers and credential-named fields, but not expressions or placeholders too short to matter', () => {
    const { document, findings } = scrubSecrets(
      docWith({
        url: 'https://api.example.com',
        headers: {
          Authorization: 'Basic dXNlcjpwYXNzd29yZA==',
          'X-Api-Key': 'plainkey99',
          'x-auth-token': '{{ $json.token }}',
          Cookie: 'session=abcdef123',
          Accept: 'application/json',
          authorization2: 'x',
        },
        query: { api_key: 'my-key-value', q: 'orders' },
        assignments: [
          { name: 'apiKey', value: 'literal-key-1' },
          { name: 'city', value: 'Paris' },
        ],
        password: 'abc',
      }),
    );
    expect(document.nodes[1]!.config).toEqual({
      url: 'https://api.example.com',
      headers: {
        Authorization: '',
        'X-Api-Key': '',
        'x-auth-token': '{{ $json.token }}',
        Cookie: '',
        Accept: 'application/json',
        authorization2: 'x',
      },
      query: { api_key: '', q: 'orders' },
      assignments: [
        { name: 'apiKey', value: '' },
        { name: 'city', value: 'Paris' },
      ],
      password: 'abc',
    });
    expect(findings).toEqual([
      { nodeId: 'call', path: ['config', 'headers', 'Authorization'], kind: 'auth_header' },
      { nodeId: 'call', path: ['config', 'headers', 'X-Api-Key'], kind: 'auth_header' },
      { nodeId: 'call', path: ['config', 'headers', 'Cookie'], kind: 'auth_header' },
      { nodeId: 'call', path: ['config', 'query', 'api_key'], kind: 'sensitive_field' },
      { nodeId: 'call', path: ['config', 'assignments', 0, 'value'], kind: 'sensitive_field' },
    ]);
  });

  it('leaves a document without secrets as it was, and never mutates its input', () => {
    const doc = docWith({
      url: 'https://api.example.com/orders',
      headers: { Accept: 'application/json' },
      body: { ids: negatives.map(([, t]) => t) },
    });
    const before = structuredClone(doc);
    const secretDoc = docWith({ token: fake('ghp_', 36) });
    const secretBefore = structuredClone(secretDoc);
    expect(scrubSecrets(doc)).toEqual({ document: doc, findings: [] });
    expect(scrubSecrets(secretDoc).findings).toHaveLength(1);
    expect(doc).toEqual(before);
    expect(secretDoc).toEqual(secretBefore);
  });

  it('never flags random lowercase words', () => {
    const word = fc.stringMatching(/^[a-z]{1,30}$/);
    fc.assert(
      fc.property(fc.array(word, { maxLength: 30 }), fc.constantFrom(' ', '', '-', '_', '.', '/', '\n'), (words, separator) => {
        const text = words.join(separator);
        expect(findSecrets(text)).toEqual([]);
        expect(scrubSecrets(docWith({ text, nested: [{ text }] })).findings).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('does bounded work on 1 MB strings built to make patterns backtrack', () => {
    const mb = 1 << 20;
    const inputs = [
      'a'.repeat(mb),
      'eyJ'.repeat(mb / 3),
      'eyJa.'.repeat(mb / 5),
      'sk-'.repeat(mb / 3),
      '{{'.repeat(mb / 2),
      '{{ }}'.repeat(mb / 5),
      'https://'.repeat(mb / 8),
      'https://a@b?x=1&'.repeat(mb / 16),
      '-----BEGIN '.repeat(mb / 11),
      'Bearer '.repeat(mb / 7),
      fake('', mb, b64url),
      `${fake('', 30)} `.repeat(mb / 31),
    ];
    // CPU time of this process, not wall time: other processes on a loaded machine do not count against it, while a
    // pattern that backtracks on these inputs would take minutes of it.
    for (const text of inputs) {
      const started = process.cpuUsage();
      scrubSecrets(docWith({ text }));
      const { user, system } = process.cpuUsage(started);
      expect((user + system) / 1000, text.slice(0, 20)).toBeLessThan(1500);
    }
  }, 60_000);
});
