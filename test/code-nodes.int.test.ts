// Code nodes in real runs: JavaScript and Python transform data between nodes; a runaway script fails its node
// with a clear error while the worker keeps serving runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../apps/gateway/views.js';
import { runToEnd } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

async function run(nodes: object[], input: unknown): Promise<RunView> {
  const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: (nodes[i] as { id: string }).id, target: (n as { id: string }).id }));
  return runToEnd(stack.api, { name: 'code', nodes, edges }, { input, timeoutMs: 60_000 });
}

describe('code nodes', () => {
  it('runs JavaScript then Python over the data', async () => {
    const result = await run(
      [
        { id: 'start', type: 'trigger.manual' },
        {
          id: 'js',
          type: 'code.javascript',
          config: { code: 'console.log("orders", input.orders.length); return { total: input.orders.reduce((s, o) => s + o.amount, 0) };' },
        },
        { id: 'py', type: 'code.python', config: { code: 'return {"total": input["total"], "vat": round(input["total"] * 0.2, 2)}' } },
      ],
      { orders: [{ amount: 10 }, { amount: 32.5 }] },
    );
    expect(result.status).toBe('completed');
    expect(result.nodes.find((n) => n.nodeId === 'py')?.output).toEqual({ total: 42.5, vat: 8.5 });
  });

  it('fails a runaway script with CODE_TIMEOUT and keeps serving runs', async () => {
    const looping = await run(
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'js', type: 'code.javascript', config: { code: 'while (true) {}', timeoutMs: 200 } },
      ],
      {},
    );
    expect(looping.status).toBe('failed');
    expect(looping.nodes.find((n) => n.nodeId === 'js')).toMatchObject({ status: 'failed', attempt: 1, error: { code: 'CODE_TIMEOUT' } });
    const next = await run(
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'js', type: 'code.javascript', config: { code: 'return 7' } },
      ],
      {},
    );
    expect(next.nodes.find((n) => n.nodeId === 'js')?.output).toBe(7);
  });
});
