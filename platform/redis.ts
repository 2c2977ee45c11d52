// Redis holds what several gateways share: rate-limit counters and live-stream slots. Commands fail at once while
// it is away (no offline queue, one retry), and each limit has its own way past that (rate limits let requests
// through, stream slots count per gateway); ioredis reconnects by itself. Its connection errors are therefore news
// for the log, once per outage, and never an unhandled 'error' event.
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export function openRedis(url: string, log: Logger): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  let down = false;
  redis.on('error', (err: unknown) => {
    if (down) return;
    down = true;
    log.warn({ err }, 'Redis is unreachable: limits shared across gateways fall back to each gateway until it is back');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log.info('Redis is reachable again');
  });
  return redis;
}
