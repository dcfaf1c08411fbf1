import { Redis } from 'ioredis';
import { type RedisReply, RedisStore } from 'rate-limit-redis';
import type { Logger } from '../logger';
import type { RateLimitStores } from './rate-limit-store';

/**
 * The per-minute counters in Redis (REDIS_URL), for deployments that run one: every instance on that
 * Redis shares them. Commands wait at most `timeoutMs`; a store that cannot answer lets the request
 * through (see clientRateLimit), and the outage is logged once until Redis answers again.
 */
export function redisRateLimitStores(url: string, logger: Logger, timeoutMs = 1_000): RateLimitStores {
  const client = new Redis(url, {
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
  let down = false;
  client.on('error', (err) => {
    if (down) return;
    down = true;
    logger.error(
      { err: { message: err.message } },
      'redis unreachable: per-minute rate limits are not counted',
    );
  });
  client.on('ready', () => {
    if (down) logger.info('redis reachable again: per-minute rate limits are counted');
    down = false;
  });
  const sendCommand = (command: string, ...args: string[]) =>
    client.call(command, ...args) as Promise<RedisReply>;
  return {
    kind: 'redis',
    create: (prefix) => new RedisStore({ sendCommand, prefix }),
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
