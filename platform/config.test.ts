// The production settings of #19 as loadConfig reads them: Temporal TLS and API key, the master key from a secret
// file, the metrics listener and token.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const dir = mkdtempSync(path.join(tmpdir(), 'loom-config-'));
const file = (name: string, text: string) => {
  const at = path.join(dir, name);
  writeFileSync(at, text);
  return at;
};

describe('Temporal security', () => {
  it('is plain gRPC by default', () => {
    expect(loadConfig({}).temporal.security).toEqual({ tls: undefined, apiKey: undefined });
  });

  it('an API key turns TLS on with the system roots (Temporal Cloud), unless TEMPORAL_TLS=false says otherwise', () => {
    expect(loadConfig({ TEMPORAL_API_KEY: 'cloud-key' }).temporal.security).toEqual({ tls: true, apiKey: 'cloud-key' });
    expect(loadConfig({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).temporal.security.tls).toBeUndefined();
  });

  it('reads the mTLS pair, the CA and the server name', () => {
    const env = {
      TEMPORAL_TLS_CERT: file('client.pem', 'CERT'),
      TEMPORAL_TLS_KEY: file('client.key', 'KEY'),
      TEMPORAL_TLS_CA: file('ca.pem', 'CA'),
      TEMPORAL_TLS_SERVER_NAME: 'ns.tmprl.cloud',
    };
    const { tls } = loadConfig(env).temporal.security;
    expect(tls).toEqual({
      clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') },
      serverRootCACertificate: Buffer.from('CA'),
      serverNameOverride: 'ns.tmprl.cloud',
    });
  });

  it('fails start-up naming the variable: a certificate without its key, a file that is not there', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CERT: file('only.pem', 'CERT') })).toThrow(/TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY/);
    expect(() => loadConfig({ TEMPORAL_TLS_CA: path.join(dir, 'missing.pem') })).toThrow(ConfigError);
    expect(() => loadConfig({ TEMPORAL_TLS_CA: path.join(dir, 'missing.pem') })).toThrow(/TEMPORAL_TLS_CA: cannot read .*ENOENT/);
  });
});

describe('the master key from a secret file', () => {
  const key = Buffer.alloc(32, 9).toString('base64');
  it('reads LOOM_MASTER_KEY_FILE when LOOM_MASTER_KEY is unset; the variable wins when both are set', () => {
    expect(loadConfig({ LOOM_MASTER_KEY_FILE: file('key', `${key}\n`) }).masterKey).toBe(key);
    const other = Buffer.alloc(32, 1).toString('base64');
    expect(loadConfig({ LOOM_MASTER_KEY: other, LOOM_MASTER_KEY_FILE: file('key2', key) }).masterKey).toBe(other);
  });
  it('refuses a file that is missing or does not hold a key', () => {
    expect(() => loadConfig({ LOOM_MASTER_KEY_FILE: path.join(dir, 'nope') })).toThrow(/LOOM_MASTER_KEY_FILE/);
    expect(() => loadConfig({ LOOM_MASTER_KEY_FILE: file('bad', 'short') })).toThrow(/LOOM_MASTER_KEY/);
  });
});

describe('metrics', () => {
  it('are off by default; a port and a token are read; a short token is refused', () => {
    expect(loadConfig({}).metrics).toEqual({ port: undefined, host: '127.0.0.1', token: undefined, temporalAddress: undefined });
    expect(loadConfig({ LOOM_METRICS_PORT: '9464', LOOM_METRICS_TOKEN: 'a-token-of-length-20', HOST: '0.0.0.0' }).metrics).toMatchObject({
      port: 9464,
      host: '0.0.0.0',
      token: 'a-token-of-length-20',
    });
    expect(() => loadConfig({ LOOM_METRICS_TOKEN: 'short' })).toThrow(/LOOM_METRICS_TOKEN/);
  });
});
