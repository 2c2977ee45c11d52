// The deferred start: written once when the node outlives the delay, never after the outcome began to be written.
import { describe, expect, it } from 'vitest';
import { deferStart } from './deferred-start.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('deferStart', () => {
  it('writes nothing for a node that settles before the delay, even if flushed afterwards', async () => {
    let writes = 0;
    const start = deferStart(
      async () => void writes++,
      () => undefined,
      20,
    );
    await start.settle();
    await start.flush();
    await tick(40);
    expect(writes).toBe(0);
  });

  it('writes once after the delay, or at the first flush, and settle waits for a write under way', async () => {
    const order: string[] = [];
    let finish: () => void = () => undefined;
    const start = deferStart(
      () => new Promise<void>((r) => (finish = () => (order.push('start written'), r()))),
      () => undefined,
      10,
    );
    await tick(30);
    void start.flush();
    const settled = start.settle().then(() => order.push('settled'));
    await tick(5);
    finish();
    await settled;
    expect(order).toEqual(['start written', 'settled']);
  });

  it('reports a failed start write and never rejects', async () => {
    const errors: unknown[] = [];
    const start = deferStart(
      () => Promise.reject(new Error('db down')),
      (err) => errors.push(err),
      1_000,
    );
    await expect(start.flush()).resolves.toBeUndefined();
    await start.settle();
    expect(errors).toHaveLength(1);
  });
});
