// The layer rule in eslint.config.js, checked on imports written for the purpose: upward imports fail, downward and
// in-layer ones pass, and a same-named folder inside a layer (nodes/db/) is not mistaken for the db/ layer.
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function restricted(filePath: string, from: string, typeOnly = false): Promise<boolean> {
  const [result] = await eslint.lintText(`export ${typeOnly ? 'type ' : ''}{ x } from '${from}';\n`, { filePath });
  return result!.messages.some((m) => m.ruleId === 'no-restricted-imports');
}

describe('layers point down', () => {
  // The first lint loads the whole config (typescript-eslint included): seconds on a busy machine.
  beforeAll(() => restricted('platform/x.ts', './logger.js'), 60_000);

  it.each([
    ['platform/x.ts', '../db/client.js'],
    ['platform/temporal/x.ts', '../../workflows/search-attributes.js'],
    ['db/x.ts', '../identity/tokens.js'],
    ['nodes/http/x.ts', '../../db/client.js'],
    ['compiler/x.ts', '../nodes/registry.js'],
    ['activities/x.ts', '../workflows/run.js'],
    ['workflows/x.ts', '../orchestrator/runs.js'],
    ['orchestrator/x.ts', '../apps/gateway/server.js'],
  ])('%s may not import %s', async (file, from) => {
    expect(await restricted(file, from)).toBe(true);
  });

  it.each([
    ['apps/gateway/routes/x.ts', '../../../workflows/run.js'],
    ['orchestrator/x.ts', '../workflows/run.js'],
    ['activities/x.ts', '../db/client.js'],
    ['identity/x.ts', '../db/user-store.js'],
    ['nodes/x.ts', './db/postgres.js'],
    ['nodes/http/x.ts', '../db/postgres.js'],
    ['nodes/x.ts', '../compiler/catalog.js'],
    ['db/x.ts', '../platform/secrets.js'],
    ['identity/x.test.ts', '../apps/gateway/server.js'],
  ])('%s may import %s', async (file, from) => {
    expect(await restricted(file, from)).toBe(false);
  });

  it("keeps orchestrator/ai/'s document algorithms pure: zod, compiler/ and their neighbours only", async () => {
    for (const from of ['zod', './edits.js', '../../compiler/document.js'])
      expect(await restricted('orchestrator/ai/layout.ts', from), from).toBe(false);
    for (const from of [
      '../../db/client.js',
      '../../nodes/registry.js',
      '../errors.js',
      '@temporalio/client',
      'node:fs',
      '../../apps/gateway/server.js',
    ]) {
      expect(await restricted('orchestrator/ai/layout.ts', from), from).toBe(true);
    }
    expect(await restricted('orchestrator/ai/layout.test.ts', '../../nodes/registry.js')).toBe(false);
    // The service around them is orchestrator code: the database, yes; the gateway above, no.
    expect(await restricted('orchestrator/ai/service.ts', '../../db/client.js')).toBe(false);
    expect(await restricted('orchestrator/ai/service.ts', '../../apps/gateway/server.js')).toBe(true);
  });

  it('lets workflow code import activities as types only', async () => {
    expect(await restricted('workflows/x.ts', '../activities/index.js', true)).toBe(false);
    expect(await restricted('workflows/x.ts', '../activities/index.js')).toBe(true);
  });
});
