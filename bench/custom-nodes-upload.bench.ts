// The other two figures of custom nodes: a Python custom node's warm call (nodes/sandbox/custom-python.ts: the module
// run, the class instantiated, execute driven, the interpreter reset) against the same logic as code.python on the
// same interpreter pool, and upload-to-palette latency through the real gateway on PGlite (POST /v1/custom-nodes:
// transpile, extraction in the sandbox, validation, storage; then GET /v1/nodes lists it), against a workflow save
// (POST /v1/workflows, which compiles) as the baseline of a write that judges its input.
import type { CustomNodeBridge } from '../nodes/custom/protocol.js';
import { runCustomPython } from '../nodes/sandbox/custom-python.js';
import { runPython, shutdownPythonSandbox } from '../nodes/sandbox/python.js';
import { startBenchGateway } from './gateway.js';
import { formatMs, measure, type BenchSuite } from './harness.js';

const input = { items: Array.from({ length: 100 }, (_, i) => ({ id: i, price: i * 1.5 })) };
const logic = "[{'id': x['id'], 'total': x['price'] * 1.2} for x in input['items'] if x['price'] > 50]";
const pythonNode = `from loom import Node, field

class Filter(Node):
    node_type = 'bench.filter'
    display_name = 'Filter'
    fields = {'min': field.number(label='Minimum', default=50)}
    operations = ['pure']

    async def execute(self, input, config, context):
        return ${logic}
`;
const meta = { runId: 'run_bench', nodeId: 'n', attempt: 1, idempotencyKey: 'run_bench:n:0', attachedSlots: [] };
const bridge: CustomNodeBridge = async () => null;
const owner = { owner: 'bench' };

const check = (result: { ok: boolean }) => {
  if (!result.ok) throw new Error(`call failed: ${JSON.stringify(result)}`);
};

const jsNode = (n: number) => `import { defineNode, field } from '@loom/sdk';
export default defineNode({ type: 'bench.node', displayName: 'Bench ${n}', fields: { note: field.string({ label: 'Note' }) },
  operations: ['pure'], hosts: [], async execute(input) { return input; } });`;

export const suite: BenchSuite = {
  name: 'custom-nodes-upload',
  async run() {
    const builtIn = await measure(
      'code.python, warm (same logic)',
      async () => check(await runPython({ code: `return ${logic}`, input }, owner)),
      {
        iterations: 100,
        warmup: 10,
      },
    );
    const call = { source: pythonNode, input, config: { min: 50 }, meta, timeoutMs: 10_000 };
    const custom = await measure('custom Python node, warm', async () => check(await runCustomPython(call, bridge, owner)), {
      iterations: 100,
      warmup: 10,
    });
    // Both run on the process-wide Python sandbox (one interpreter per owner).
    await shutdownPythonSandbox();

    const g = await startBenchGateway({ filesDir: '/tmp/loom-bench-custom-nodes', tier: 'enterprise' });
    let n = 0;
    const save = await measure(
      'baseline: POST /v1/workflows (a 3-node workflow, compiled and stored)',
      async () => {
        const res = await g.app.inject({
          method: 'POST',
          url: '/v1/workflows',
          headers: g.headers,
          payload: {
            name: `w${n++}`,
            nodes: [
              { id: 'start', type: 'trigger.manual' },
              { id: 'a', type: 'flow.noop' },
              { id: 'b', type: 'flow.noop' },
            ],
            edges: [
              { id: 'e1', source: 'start', target: 'a' },
              { id: 'e2', source: 'a', target: 'b' },
            ],
          },
        });
        if (res.statusCode !== 201) throw new Error(res.body);
      },
      { iterations: 50, warmup: 5 },
    );
    const upload = await measure(
      'upload to palette: POST /v1/custom-nodes (TypeScript) then GET /v1/nodes lists it',
      async () => {
        const res = await g.app.inject({
          method: 'POST',
          url: '/v1/custom-nodes',
          headers: g.headers,
          payload: { language: 'typescript', source: jsNode(n++) },
        });
        if (res.statusCode !== 201) throw new Error(res.body);
        const palette = await g.app.inject({ method: 'GET', url: '/v1/nodes', headers: g.headers });
        if (!palette.body.includes(res.json<{ type: string }>().type)) throw new Error('not in the palette');
      },
      { iterations: 50, warmup: 5 },
    );
    await g.close();
    return {
      suite: 'Python custom nodes and upload-to-palette latency (nodes/sandbox/custom-python.ts, POST /v1/custom-nodes on PGlite)',
      measurements: [builtIn, custom, save, upload],
      verdicts: [
        `custom Python node warm call: ${formatMs(custom.medianMs)}, ${formatMs(custom.medianMs - builtIn.medianMs)} over code.python`,
        `upload to palette: ${formatMs(upload.medianMs)} (p95 ${formatMs(upload.p95Ms)}), ${(upload.medianMs / save.medianMs).toFixed(1)}x a workflow save`,
      ],
    };
  },
};
