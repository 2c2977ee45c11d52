// A gateway for benchmarks that never reach Temporal (uploads, the palette, saves): a fresh in-memory PGlite, a lazy
// Temporal connection that is never used, and one signed-in user whose bearer header is handed back.
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { authSettingsFrom } from '../apps/gateway/auth/settings.js';
import { buildGateway } from '../apps/gateway/server.js';
import { openDatabase } from '../db/client.js';
import type { Tier } from '../db/schema.js';
import { insertUser } from '../db/user-store.js';
import { hashPassword } from '../identity/passwords.js';
import { createNodeRegistry } from '../nodes/registry.js';
import { createLinkSigner } from '../platform/answer-links.js';
import { filesystemFileStore } from '../platform/file-store.js';
import { createLogger } from '../platform/logger.js';
import { createSecretBox } from '../platform/secrets.js';
import { createPayloadCodec } from '../platform/temporal/codec.js';

export interface BenchGateway {
  app: FastifyInstance;
  /** The signed-in user's `authorization` header. */
  headers: { authorization: string };
  token: string;
  close(): Promise<void>;
}

export async function startBenchGateway(options: { filesDir: string; tier: Tier }): Promise<BenchGateway> {
  const key = randomBytes(32);
  const database = await openDatabase({ kind: 'pglite', dataDir: undefined });
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  const app = await buildGateway(
    {
      database,
      temporal: {
        client: new Client({ connection, dataConverter: { payloadCodecs: [createPayloadCodec(key)] } }),
        connection,
        taskQueue: 'bench',
      },
      nodes: createNodeRegistry(),
      secrets: createSecretBox(key),
      links: createLinkSigner(key),
      auth: authSettingsFrom(key),
      files: { store: filesystemFileStore(options.filesDir) },
    },
    { logger: createLogger({ level: 'error' }) },
  );
  const password = 'bench-password-long-enough';
  await insertUser(database.db, {
    email: 'bench@loom.test',
    name: 'bench',
    passwordHash: await hashPassword(password),
    role: 'user',
    tier: options.tier,
    groups: [],
  });
  const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'bench@loom.test', password } });
  const token = login.json<{ accessToken: string }>().accessToken;
  return {
    app,
    token,
    headers: { authorization: `Bearer ${token}` },
    async close() {
      await app.close();
      await database.close();
    },
  };
}
