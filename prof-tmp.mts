import { chain, startBenchStack } from './bench/loom-stack.js';
const stack = await startBenchStack();
const noops = await stack.prepare(chain('flow.noop', 200));
for (let i = 0; i < 3; i++) await stack.run(noops, { x: 1 });
const t = performance.now();
for (let i = 0; i < 10; i++) await stack.run(noops, { x: 1 });
console.log('per run', (performance.now() - t) / 10);
await stack.close();
