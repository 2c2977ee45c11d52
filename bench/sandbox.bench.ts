// Cost of one code.javascript and one code.python call, cold (a new isolate / a new interpreter) and warm,
// against the same computation run natively in this process.
import { disposeJavaScriptSandbox, runJavaScript } from '../nodes/code/javascript-sandbox.js';
import { runPython, shutdownPythonSandbox, warmPython } from '../nodes/code/python-sandbox.js';
import { formatMs, measure, type BenchSuite } from './harness.js';

const input = { items: Array.from({ length: 100 }, (_, i) => ({ id: i, price: i * 1.5 })) };
const jsCode = 'return input.items.filter((x) => x.price > 50).map((x) => ({ id: x.id, total: x.price * 1.2 }));';
const pyCode = 'return [{"id": x["id"], "total": x["price"] * 1.2} for x in input["items"] if x["price"] > 50]';
const native = () => input.items.filter((x) => x.price > 50).map((x) => ({ id: x.id, total: x.price * 1.2 }));

async function ok(result: Promise<{ ok: boolean }>) {
  const r = await result;
  if (!r.ok) throw new Error(`sandbox call failed: ${JSON.stringify(r)}`);
}

export const suite: BenchSuite = {
  name: 'sandbox',
  async run() {
    const baseline = await measure('native JavaScript (same work, no sandbox)', native, { iterations: 200 });
    const jsCold = await measure('code.javascript, cold (new isolate)', async () => {
      disposeJavaScriptSandbox();
      await ok(runJavaScript({ code: jsCode, input }));
    }, { iterations: 20, warmup: 2 });
    const jsWarm = await measure('code.javascript, warm', () => ok(runJavaScript({ code: jsCode, input })), { iterations: 100 });

    const pyCold = await measure('code.python, cold (new Pyodide)', async () => {
      await shutdownPythonSandbox();
      await warmPython();
      await ok(runPython({ code: pyCode, input }));
    }, { iterations: 3, warmup: 0 });
    const pyWarm = await measure('code.python, warm', () => ok(runPython({ code: pyCode, input })), { iterations: 50 });
    await shutdownPythonSandbox();
    disposeJavaScriptSandbox();
    return {
      suite: 'code sandboxes (100-item filter/map, JSON in and out)',
      measurements: [baseline, jsCold, jsWarm, pyCold, pyWarm],
      verdicts: [
        `JavaScript: warm ${formatMs(jsWarm.medianMs)}, cold ${formatMs(jsCold.medianMs)} (the warm isolate saves ${(jsCold.medianMs / jsWarm.medianMs).toFixed(1)}x)`,
        `Python: warm ${formatMs(pyWarm.medianMs)}, cold ${formatMs(pyCold.medianMs)} (the warm interpreter saves ${(pyCold.medianMs / pyWarm.medianMs).toFixed(0)}x)`,
        `sandbox overhead over native: JavaScript ${(jsWarm.medianMs / baseline.medianMs).toFixed(0)}x, Python ${(pyWarm.medianMs / baseline.medianMs).toFixed(0)}x (native ${formatMs(baseline.medianMs)})`,
      ],
    };
  },
};
