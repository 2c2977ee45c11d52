// Three projects: pure unit tests (no servers), and the integration suite run against PGlite and,
// when DATABASE_URL is set (CI sets it), again against that PostgreSQL server.
import { defineConfig } from 'vitest/config';

const integration = (name: string, db: 'pglite' | 'postgres') => ({
  test: {
    name,
    include: ['**/*.int.test.ts'],
    exclude: ['node_modules/**', '.data/**'],
    globalSetup: ['test/global-setup.ts'],
    env: { LOOM_TEST_DB: db },
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});

export default defineConfig({
  test: {
    pool: 'forks',
    // Two cores: more parallel files only add contention for the Temporal server and PGlite.
    maxWorkers: 2,
    projects: [
      { test: { name: 'unit', include: ['**/*.test.ts'], exclude: ['**/*.int.test.ts', 'node_modules/**', '.data/**'] } },
      integration('pglite', 'pglite'),
      ...(process.env.DATABASE_URL ? [integration('postgres', 'postgres')] : []),
    ],
  },
});
