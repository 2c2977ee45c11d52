// Concurrent live streams (SSE and WebSocket) per user. A slot is a lease: in memory it is a counter, in Redis a
// sorted set of lease ids scored by expiry, renewed while the stream is open, so a gateway that dies without
// closing its streams frees their slots within a lease period instead of holding them forever. While Redis is
// away the gateway counts on its own (the memory slots), so an outage neither refuses every stream nor lifts the limit.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface StreamSlots {
  /** A release function, or undefined when the user already has `max` streams open. */
  acquire(userId: string, max: number): Promise<(() => void) | undefined>;
  close(): Promise<void>;
}

export function memoryStreamSlots(): StreamSlots {
  const open = new Map<string, number>();
  return {
    async acquire(userId, max) {
      const n = open.get(userId) ?? 0;
      if (n >= max) return undefined;
      open.set(userId, n + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (open.get(userId) ?? 1) - 1;
        if (left <= 0) open.delete(userId);
        else open.set(userId, left);
      };
    },
    async close() {
      open.clear();
    },
  };
}

const LEASE_MS = 30_000;

// Drop expired leases, then take one if there is room: atomic, so two gateways cannot both take the last slot.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

export function redisStreamSlots(redis: Redis, fallback: StreamSlots = memoryStreamSlots()): StreamSlots {
  const renewals = new Set<NodeJS.Timeout>();
  const key = (userId: string) => `loom:streams:${userId}`;
  return {
    async acquire(userId, max) {
      const lease = randomUUID();
      const now = Date.now();
      let ok: unknown;
      try {
        ok = await redis.eval(ACQUIRE, 1, key(userId), String(now), String(now + LEASE_MS), String(max), lease, String(LEASE_MS * 2));
      } catch {
        return fallback.acquire(userId, max);
      }
      if (ok !== 1) return undefined;
      const timer = setInterval(() => {
        void redis.zadd(key(userId), 'XX', Date.now() + LEASE_MS, lease).catch(() => undefined);
      }, LEASE_MS / 3);
      timer.unref();
      renewals.add(timer);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        renewals.delete(timer);
        void redis.zrem(key(userId), lease).catch(() => undefined);
      };
    },
    async close() {
      for (const t of renewals) clearInterval(t);
      renewals.clear();
      await fallback.close();
    },
  };
}

/** The same slots, counting this process's open streams on the `loom_live_streams_open` gauge (each released once). */
export function countedStreams(slots: StreamSlots, metrics: { liveStreams: { inc(): void; dec(): void } }): StreamSlots {
  return {
    async acquire(userId, max) {
      const release = await slots.acquire(userId, max);
      if (!release) return undefined;
      metrics.liveStreams.inc();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        metrics.liveStreams.dec();
        release();
      };
    },
    close: () => slots.close(),
  };
}
