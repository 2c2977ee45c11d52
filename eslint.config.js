// Lint rules that encode architecture, not taste: layers that point down, the workflow sandbox boundary and typed
// data at boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Layers, top to bottom (docs/architecture.md, "Layers"): a folder may import its own layer and the ones below it,
// never one above. test/, bench/ and tests beside the code may import anything.
const LAYERS = ['apps', 'orchestrator', 'workflows', 'activities', 'identity', 'db', 'nodes', 'compiler', 'platform'];
// Deepest folder a layer's file may sit in (apps/gateway/routes/x.ts is 3); deeper files would go unchecked.
const MAX_DEPTH = 6;

// Workflow code runs in Temporal's deterministic sandbox: no Node I/O, no database, no network.
// Activities are imported as types only (see workflows/run.ts).
const WORKFLOW_SANDBOX = [
  {
    group: ['node:*', 'fs', 'path', 'http', 'https', 'crypto', 'child_process'],
    message: 'Workflow code must stay deterministic: no Node built-ins.',
  },
  {
    group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity'],
    message: 'Only @temporalio/workflow belongs in workflow code.',
  },
  {
    group: ['**/db/*', '**/apps/*', '**/platform/*', 'pg', '@electric-sql/*', 'drizzle-orm*', 'fastify*'],
    message: 'Workflow code must not reach I/O modules.',
  },
  { group: ['**/activities/*'], allowTypeImports: true, message: 'Import activities as types only.' },
];

/**
 * One block per layer and folder depth. The pattern counts the `../` that climb back to the repository root, so
 * `../db/` from nodes/http/ (nodes/db/, inside the layer) is told apart from `../../db/` (the db/ layer).
 */
function layerBlocks() {
  return LAYERS.slice(1).flatMap((layer, i) => {
    const above = LAYERS.slice(0, i + 1);
    const message = `${layer}/ may import only the layers below it (${LAYERS.slice(i + 2).join(', ') || 'none'}), never ${above.join(', ')}: layers point down (docs/architecture.md, "Layers").`;
    return Array.from({ length: MAX_DEPTH }, (_, d) => {
      const dir = `${layer}/${'*/'.repeat(d)}`;
      const upward = { regex: `^(\\.\\./){${d + 1}}(${above.join('|')})/`, message };
      return {
        files: [`${dir}*.ts`, `${dir}*.mjs`],
        ignores: ['**/*.test.ts'],
        rules: { 'no-restricted-imports': ['error', { patterns: layer === 'workflows' ? [upward, ...WORKFLOW_SANDBOX] : [upward] }] },
      };
    });
  });
}

// orchestrator/ai/ holds the pure parts of AI generation and editing (edit operations, layout, secret scrubbing, node
// selection): no I/O, no database, no Temporal. They import zod, compiler/ and each other, nothing else; the block
// replaces the layer rule for those files, and is stricter than it.
/**
 * The document algorithms of orchestrator/ai/ (edits, diffs, layout, the secret scan, node selection, scoring) are
 * pure; the modules around them that talk to models and the database follow the orchestrator's layer rule.
 */
const PURE_AI_MODULES = [
  'edits',
  'edit-response',
  'change-description',
  'pre-existing',
  'config-path',
  'layout',
  'secret-scrub',
  'secret-patterns',
  'node-selection',
  'strict-schema',
  'assignment',
  'eval-score',
  'warnings',
];
const PURE_AI = {
  files: PURE_AI_MODULES.map((m) => `orchestrator/ai/${m}.ts`),
  ignores: ['**/*.test.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: '^(?!zod$|\\./|\\.\\./\\.\\./compiler/)',
            message: 'This orchestrator/ai/ module is pure: it imports only zod, compiler/ and its neighbours.',
          },
        ],
      },
    ],
  },
};

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
  ...layerBlocks(),
  PURE_AI,
  {
    // CommonJS on purpose: Temporal loads these by path with require() (platform/temporal/failure-converter.cjs).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', exports: 'writable', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The console's page scripts: plain ES modules run by the browser, served as they are (no build step).
    files: ['apps/gateway/console/assets/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'location',
          'fetch',
          'setTimeout',
          'clearTimeout',
          'console',
          'CSS',
          'DOMParser',
          'EventSource',
          'WebSocket',
          'FormData',
          'URLSearchParams',
          'HTMLFormElement',
        ].map((g) => [g, 'readonly']),
      ),
    },
  },
);
