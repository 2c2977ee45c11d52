// Cost of one code.javascript and one code.python call (the engines in nodes/sandbox), cold (a new isolate / a
// freshly loaded interpreter) and warm, against the same computation run natively in this process.
import { JavaScriptSandbox } from '../nodes/sandbox/javascript.js';
import { PythonSandbox } from '../nodes/sandbox/python.js';
import type { SandboxResult } from '../nodes/sandbox/result.js';
import { formatMs, measure, type BenchSuite } from './harness.js';

const input = { items: Array.from({ length: 100 }, (_, i) => ({ id: i, price: i * 1.5 })) };
const jsCode = 'return input.items.filter((x) => x.price > 50).map((x) => ({ id: x.id, total: x.price * 1.2 }));';
const pyCode = 'return [{"id": x["id"], "total": x["price"] * 1.2} for x in input["items"] if x["price"] > 50]';
const native = () =>
  JSON.parse(JSON.stringify(input.items.filter((x) => x.price > 50).map((x) => ({ id: x.id, total: x.price * 1.2 })))) as unknown;

async function ok(result: Promise<SandboxResult>): Promise<void> {
  const r = await result;
  if (!r.ok) throw new Error(`sandbox call failed: ${r.error.code} ${r.error.message}`);
}

export const suite: BenchSuite = {
  name: 'sandbox',
  async run() {
    const baseline = await measure('native JavaScript (same work + JSON copy)', native, { iterations: 500, warmup: 50 });

    const jsCold = await measure(
      'code.javascript, cold (new isolate)',
      async () => {
        const sandbox = new JavaScriptSandbox();
        await ok(sandbox.run({ code: jsCode, input }));
        sandbox.dispose();
      },
      { iterations: 30, warmup: 3 },
    );
    const js = new JavaScriptSandbox();
    const jsWarm = await measure('code.javascript, warm (fresh context)', () => ok(js.run({ code: jsCode, input })), {
      iterations: 200,
      warmup: 20,
    });
    js.dispose();

    const pyCold = await measure(
      'code.python, cold (image boot + restore)',
      async () => {
        const sandbox = new PythonSandbox();
        await ok(sandbox.run({ code: pyCode, input }, { owner: 'bench' }));
        await sandbox.shutdown();
      },
      { iterations: 3, warmup: 0 },
    );
    const py = new PythonSandbox();
    await py.warm();
    // An interpreter is kept per owner; a call without one gets an interpreter of its own, so name one.
    const pyWarm = await measure(
      "code.python, warm (the owner's interpreter)",
      () => ok(py.run({ code: pyCode, input }, { owner: 'bench' })),
      { iterations: 100, warmup: 10 },
    );
    await py.shutdown();

    return {
      suite: 'code sandboxes, nodes/sandbox (100-item filter/map, JSON in and out)',
      measurements: [baseline, jsCold, jsWarm, pyCold, pyWarm],
      verdicts: [
        `JavaScript: warm ${formatMs(jsWarm.medianMs)}, cold ${formatMs(jsCold.medianMs)} (warm isolate saves ${(jsCold.medianMs / jsWarm.medianMs).toFixed(1)}x)`,
        `Python: warm ${formatMs(pyWarm.medianMs)}, cold ${formatMs(pyCold.medianMs)} (warm interpreter saves ${(pyCold.medianMs / pyWarm.medianMs).toFixed(0)}x)`,
        `over native: JavaScript warm ${(jsWarm.medianMs / baseline.medianMs).toFixed(0)}x, Python warm ${(pyWarm.medianMs / baseline.medianMs).toFixed(0)}x (native ${formatMs(baseline.medianMs)})`,
      ],
    };
  },
};
