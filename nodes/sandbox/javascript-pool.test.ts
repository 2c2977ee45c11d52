// Warm isolates serve one owner each: the next call of the same owner may reuse one, another owner's never does.
import { afterEach, describe, expect, it } from 'vitest';
import { IsolatePool } from './javascript-pool.js';

let pool: IsolatePool;
afterEach(() => pool?.dispose());

describe('IsolatePool tenancy', () => {
  it('reuses an idle isolate for its owner only', async () => {
    pool = new IsolatePool(4, 100);
    const first = (await pool.acquire(16, 'usr_a'))!;
    pool.release(first);
    const other = (await pool.acquire(16, 'usr_b'))!;
    expect(other.isolate).not.toBe(first.isolate);
    expect(other.owner).toBe('usr_b');
    pool.release(other);
    const again = (await pool.acquire(16, 'usr_a'))!;
    expect(again.isolate).toBe(first.isolate);
    pool.release(again);
  });

  it('gives a call without an owner an isolate of its own and disposes it afterwards', async () => {
    pool = new IsolatePool(4, 100);
    const owned = (await pool.acquire(16, 'usr_a'))!;
    pool.release(owned);
    const anonymous = (await pool.acquire(16, undefined))!;
    expect(anonymous.isolate).not.toBe(owned.isolate);
    pool.release(anonymous);
    expect(anonymous.isolate.isDisposed).toBe(true);
    expect(owned.isolate.isDisposed).toBe(false);
  });

  it('makes room for a new owner by ending another owner idle isolate, never a busy one', async () => {
    pool = new IsolatePool(2, 100);
    const a = (await pool.acquire(16, 'usr_a'))!;
    const b = (await pool.acquire(16, 'usr_b'))!;
    pool.release(a);
    const c = (await pool.acquire(16, 'usr_c'))!;
    expect(a.isolate.isDisposed).toBe(true);
    expect(b.isolate.isDisposed).toBe(false);
    pool.release(b);
    pool.release(c);
  });
});
