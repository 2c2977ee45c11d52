import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpClientFactory } from '../nodes/http/client.js';
import { createLogger } from '../platform/logger.js';
import { REDACTED, SecretRegistry } from '../platform/redact.js';
import { eventBuilders } from './events.js';
import { buildNodeContext, type CredentialVault } from './node-context.js';

describe('node context: the secrets a node opened stay out of what it writes', () => {
  const http = createHttpClientFactory({ allowedHosts: [] });
  afterAll(() => http.close());

  it('redacts opened credential values in node logs, progress and the execution’s events', async () => {
    const lines: string[] = [];
    const log = createLogger(
      { level: 'info' },
      new Writable({ write: (chunk: Buffer, _e, done) => void (lines.push(chunk.toString('utf8')), done()) }),
    );
    const progress: string[] = [];
    // Registers like the real vault: the secret field only.
    const vault: CredentialVault = {
      async open(_id, access) {
        access.secrets.add('plain-looking-value');
        return { type: 'httpBasic', values: { username: 'alice', password: 'plain-looking-value' } };
      },
    };
    const secrets = new SecretRegistry();
    const context = buildNodeContext(
      { http, vault, log, emitProgress: async (_runId, e) => void progress.push(e.message) },
      {
        runId: 'run_1',
        nodeId: 'n1',
        nodeType: 'test',
        attempt: 1,
        signal: new AbortController().signal,
        timeoutMs: 1_000,
        credentials: { auth: 'cred_1' },
        accepted: {},
        secrets,
      },
    );
    const { values } = await context.credentials.get('auth');
    context.log.info(`calling as ${values.username} with ${values.password}`, { echoed: { body: `pw=${values.password}` } });
    context.progress(`retrying with ${values.password}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const event = eventBuilders(secrets).nodeCompleted('n1', { response: `server said ${values.password}` });

    const written = [...lines, ...progress, JSON.stringify(event)].join('\n');
    expect(written).not.toContain('plain-looking-value');
    expect(written).toContain(`calling as alice with ${REDACTED}`);
    expect(progress).toEqual([`retrying with ${REDACTED}`]);
    expect(event.data).toEqual({ output: { response: `server said ${REDACTED}` } });
  });

  it('one execution’s secrets are not another’s', () => {
    const a = new SecretRegistry();
    a.add('only-in-a');
    expect(eventBuilders(new SecretRegistry()).nodeCompleted('n', 'only-in-a').data).toEqual({ output: 'only-in-a' });
    expect(eventBuilders(a).nodeCompleted('n', 'only-in-a').data).toEqual({ output: REDACTED });
  });
});
