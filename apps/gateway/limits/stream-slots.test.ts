// The in-memory stream slots: a user holds at most `max` at once, a slot comes back when released (once only).
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePort } from '../../../test/support/ports.js';
import { memoryStreamSlots, redisStreamSlots } from './stream-slots.js';

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

describe('redisStreamSlots while Redis is away', () => {
  it('counts on this gateway instead: neither refuses every stream nor lifts the limit', async () => {
    // A real client to a port nothing listens on, failing fast as the gateway's does (platform/redis.ts).
    const redis = new Redis(`redis://127.0.0.1:${await freePort()}`, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    const slots = redisStreamSlots(redis);
    try {
      const first = await slots.acquire('a', 2);
      expect(first).toBeTruthy();
      expect(await slots.acquire('a', 2)).toBeTruthy();
      expect(await slots.acquire('a', 2)).toBeUndefined();
      first!();
      expect(await slots.acquire('a', 2)).toBeTruthy();
    } finally {
      await slots.close();
      redis.disconnect();
    }
  });
});
