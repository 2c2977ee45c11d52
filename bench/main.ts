// `npm run bench [suite...]`: runs every registered suite (or the named ones) and prints figures and ratios.
import type { BenchSuite } from './harness.js';
import { printSuite } from './harness.js';

const suites: Record<string, () => Promise<BenchSuite>> = {
  // Each entry imports its suite lazily so that `npm run bench compiler` loads nothing else.
  compiler: async () => (await import('./compiler.bench.js')).suite,
  'custom-nodes': async () => (await import('./custom-nodes.bench.js')).suite,
  'custom-nodes-upload': async () => (await import('./custom-nodes-upload.bench.js')).suite,
  executor: async () => (await import('./executor.bench.js')).suite,
  files: async () => (await import('./files.bench.js')).suite,
  'for-each': async () => (await import('./for-each.bench.js')).suite,
  knowledge: async () => (await import('./knowledge.bench.js')).suite,
  'long-runs': async () => (await import('./long-runs.bench.js')).suite,
  pure: async () => (await import('./pure.bench.js')).suite,
  sandbox: async () => (await import('./sandbox.bench.js')).suite,
  temporal: async () => (await import('./temporal.bench.js')).suite,
};

const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : Object.keys(suites);
for (const name of names) {
  const load = suites[name];
  if (!load) {
    console.error(`unknown suite "${name}"; known: ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
  const suite = await load();
  printSuite(await suite.run());
}
