// Lint rules that encode architecture, not taste: the workflow sandbox boundary and typed data at boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', '.scratch/', 'dist/', 'db/migrations/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node I/O, no database, no network.
    // Activities are imported as types only (see workflows/run.ts).
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'http', 'https', 'crypto', 'child_process'], message: 'Workflow code must stay deterministic: no Node built-ins.' },
          { group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Only @temporalio/workflow belongs in workflow code.' },
          { group: ['**/db/*', '**/apps/*', '**/platform/*', 'pg', '@electric-sql/*', 'drizzle-orm*', 'fastify*'], message: 'Workflow code must not reach I/O modules.' },
          { group: ['**/activities/*'], allowTypeImports: true, message: 'Import activities as types only.' },
        ],
      }],
    },
  },
);
