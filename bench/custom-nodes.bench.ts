// Cost of a JavaScript custom node's warm call (nodes/sandbox/custom-javascript.ts: a fresh context, the guest
// bootstrap, the module compiled and linked to '@loom/sdk', execute awaited) against the same logic as code.javascript
// on its own warm isolate, and of one bridge round trip; plus extraction, the sandbox half of an upload.
import type { CustomNodeBridge, CustomNodeCall } from '../nodes/custom/protocol.js';
import { CustomJavaScriptSandbox } from '../nodes/sandbox/custom-javascript.js';
import { transpileCustomNode } from '../nodes/sandbox/custom-javascript-transpile.js';
import { JavaScriptSandbox } from '../nodes/sandbox/javascript.js';
import { formatMs, measure, type BenchSuite } from './harness.js';

const input = { items: Array.from({ length: 100 }, (_, i) => ({ id: i, price: i * 1.5 })) };
const logic = 'input.items.filter((x) => x.price > 50).map((x) => ({ id: x.id, total: x.price * 1.2 }))';
const node = (body: string) =>
  `import { defineNode, field } from '@loom/sdk';
export default defineNode({
  type: 'bench.filter', version: 1, displayName: 'Filter', description: 'Bench', category: 'data', kind: 'activity',
  fields: { min: field.number({ label: 'Minimum', default: 50 }) },
  inputs: [{ name: 'in', dataType: 'json' }], outputs: [{ name: 'out', dataType: 'json' }],
  operations: () => ['pure'],
  async execute(input, config, context) { ${body} },
});`;
const meta = { runId: 'run_bench', nodeId: 'n', attempt: 1, idempotencyKey: 'run_bench:n:0', attachedSlots: [] };
const bridge: CustomNodeBridge = async () => ({ type: 't', values: {} });
const owner = { owner: 'bench' };

async function compiled(source: string): Promise<string> {
  const result = await transpileCustomNode(source, 'typescript');
  if (!result.ok) throw new Error(result.error.message);
  return result.code;
}

function check(result: { ok: boolean }): void {
  if (!result.ok) throw new Error(`custom node call failed: ${JSON.stringify(result)}`);
}

export const suite: BenchSuite = {
  name: 'custom-nodes',
  async run() {
    const transpile = await measure('transpile (esbuild, TypeScript)', () => compiled(node(`return ${logic};`)), {
      iterations: 200,
      warmup: 20,
    });
    const call = (body: string): Promise<CustomNodeCall> =>
      compiled(node(body)).then((source) => ({ source, input, config: { min: 50 }, meta, timeoutMs: 5_000 }));
    const filterCall = await call(`return ${logic};`);
    const bridgeCall = await call(`await context.credentials.get('x'); return ${logic};`);

    const js = new JavaScriptSandbox();
    const builtIn = await measure(
      'code.javascript, warm (same logic)',
      async () => check(await js.run({ code: `return ${logic};`, input }, owner)),
      {
        iterations: 300,
        warmup: 30,
      },
    );
    js.dispose();

    const custom = new CustomJavaScriptSandbox();
    const warm = await measure(
      'custom node, warm (fresh context + module)',
      async () => check(await custom.run(filterCall, bridge, owner)),
      {
        iterations: 300,
        warmup: 30,
      },
    );
    const withBridge = await measure('custom node, warm, one bridge call', async () => check(await custom.run(bridgeCall, bridge, owner)), {
      iterations: 300,
      warmup: 30,
    });
    const extract = await measure('extraction (declaration as JSON)', async () => check(await custom.extract(filterCall.source, owner)), {
      iterations: 200,
      warmup: 20,
    });
    custom.dispose();

    const added = warm.medianMs - builtIn.medianMs;
    return {
      suite: 'JavaScript custom nodes, nodes/sandbox/custom-javascript.ts (100-item filter/map, JSON in and out)',
      measurements: [transpile, builtIn, warm, withBridge, extract],
      verdicts: [
        `custom node warm call adds ${formatMs(added)} over code.javascript (goal < 3 ms): ${added < 3 ? 'met' : 'NOT met'}`,
        `one bridge round trip: ${formatMs(withBridge.medianMs - warm.medianMs)}`,
        `upload, sandbox side: transpile ${formatMs(transpile.medianMs)} + extraction ${formatMs(extract.medianMs)}`,
      ],
    };
  },
};
