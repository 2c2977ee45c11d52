// The in-memory stream slots: a user holds at most `max` at once, a slot comes back when released (once only).
import { describe, expect, it } from 'vitest';
import { memoryStreamSlots } from './stream-slots.js';

describe('memoryStreamSlots', () => {
  it('grants up to max per user and takes each slot back once', async () => {
    const slots = memoryStreamSlots();
    const a1 = await slots.acquire('a', 2);
    const a2 = await slots.acquire('a', 2);
    expect(a1 && a2).toBeTruthy();
    expect(await slots.acquire('a', 2)).toBeUndefined();
    expect(await slots.acquire('b', 2)).toBeTruthy();
    a1!();
    a1!();
    expect(await slots.acquire('a', 2)).toBeTruthy();
    expect(await slots.acquire('a', 2)).toBeUndefined();
  });
});
