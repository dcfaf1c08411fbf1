import type { Config } from '../config';
import type { Db } from '../db/database';
import { AppError, storageUnavailable } from '../http/errors';
import type { Logger } from '../logger';
import { countSince, countToNumbersSince } from './send-limits.repository';

const HOUR_MS = 3_600_000;
const STATUS_CACHE_MS = 5_000;
const DAY_MS = 86_400_000;

/** A limit refused the send: the error to answer and, when known, when trying again can work. */
export type SendRefusal = { error: AppError; retryAfterSeconds?: number };

/** Numbers (digits only) a limit refused, and a refusal of the whole send (the daily cap). */
export type SendCheck = { refused: Map<string, SendRefusal>; batch?: SendRefusal };

export type SendGuard = {
  /**
   * Refuses a send that breaks the allow-list, the per-number velocity limit or the daily cap,
   * before anything is stored or sent. Counts come from the database, so they hold across instances;
   * check-then-insert is not atomic, so concurrent requests can overshoot a limit by their number.
   * That is fine for a guard rail against pumping, which is about thousands, not a few.
   */
  check(msisdns: string[], log: Logger): Promise<SendCheck>;
  /** PAUSED while the daily cap is reached. */
  sendingStatus(): Promise<'ACTIVE' | 'PAUSED'>;
};

/** A number as logs may show it: the calling code and a little more, never the whole number. */
export function maskMsisdn(msisdn: string): string {
  return `${msisdn.slice(0, 4)}${'*'.repeat(Math.max(0, msisdn.length - 4))}`;
}

/** Start of the current UTC calendar day: the daily cap resets at 00:00 UTC. */
function startOfUtcDay(nowMs: number): number {
  return nowMs - (nowMs % DAY_MS);
}

export function createSendGuard(
  deps: { db: Db; config: Config; logger: Logger },
  now: () => number = Date.now,
): SendGuard {
  const { allowedDestinationPrefixes, maxPerNumberPerHour, maxPerDay } = deps.config.sendLimits;
  let paused = false;
  let lastStatus: { at: number; value: 'ACTIVE' | 'PAUSED' } | undefined;

  // The database's word on the cap; the pause is logged once when it starts and once when it ends.
  async function capReached(nowMs: number, adding = 0): Promise<boolean> {
    if (maxPerDay === 0) return false;
    const sentToday = await countSince(deps.db, new Date(startOfUtcDay(nowMs)).toISOString());
    // With nothing to add, the question is whether one more message would pass.
    const reached = sentToday + Math.max(adding, 1) > maxPerDay;
    if (reached && !paused) {
      deps.logger.error({ maxPerDay, sentToday }, 'daily cap reached: sending paused');
    } else if (!reached && paused) {
      deps.logger.info({ maxPerDay, sentToday }, 'daily cap no longer reached: sending resumed');
    }
    paused = reached;
    return reached;
  }

  /** Per-number refusals: outside the allow-list, or over the hourly limit for that number. */
  async function perNumber(msisdns: string[], nowMs: number, log: Logger): Promise<Map<string, SendRefusal>> {
    const refused = new Map<string, SendRefusal>();
    if (allowedDestinationPrefixes.length > 0) {
      const allowed = allowedDestinationPrefixes.map((p) => `+${p}`).join(', ');
      for (const msisdn of msisdns) {
        if (allowedDestinationPrefixes.some((prefix) => msisdn.startsWith(prefix))) continue;
        log.warn({ destination: maskMsisdn(msisdn) }, 'send refused: destination outside the allow-list');
        refused.set(msisdn, {
          error: new AppError(
            'FORBIDDEN_DESTINATION',
            `Sending to this destination is not allowed; allowed prefixes: ${allowed}.`,
          ),
        });
      }
    }
    const open = msisdns.filter((m) => !refused.has(m));
    if (maxPerNumberPerHour === 0 || open.length === 0) return refused;
    const counts = await countToNumbersSince(deps.db, open, new Date(nowMs - HOUR_MS).toISOString());
    for (const [msisdn, { count, oldest }] of counts) {
      if (count < maxPerNumberPerHour) continue;
      log.warn(
        { destination: maskMsisdn(msisdn), count, maxPerNumberPerHour },
        'send refused: per-number limit reached',
      );
      // At the earliest, a slot frees when the oldest message in the window leaves it.
      const freesAt = oldest ? Date.parse(oldest) + HOUR_MS : nowMs + HOUR_MS;
      refused.set(msisdn, {
        retryAfterSeconds: Math.max(1, Math.ceil((freesAt - nowMs) / 1000)),
        error: new AppError(
          'DESTINATION_RATE_LIMITED',
          `Too many messages to this number: at most ${maxPerNumberPerHour} an hour.`,
        ),
      });
    }
    return refused;
  }

  async function check(msisdns: string[], log: Logger): Promise<SendCheck> {
    const nowMs = now();
    try {
      const refused = await perNumber(msisdns, nowMs, log);
      const accepted = msisdns.length - refused.size;
      // A send may change the count: the next health probe counts afresh.
      lastStatus = undefined;
      if (accepted > 0 && (await capReached(nowMs, accepted))) {
        const retryAfterSeconds = Math.ceil((startOfUtcDay(nowMs) + DAY_MS - nowMs) / 1000);
        const error = new AppError(
          'DAILY_CAP_REACHED',
          `The daily cap of ${maxPerDay} messages is reached: sending is paused until 00:00 UTC.`,
        );
        return { refused, batch: { error, retryAfterSeconds } };
      }
      return { refused };
    } catch (error) {
      throw storageUnavailable(error);
    }
  }

  return {
    check,
    // Health probes call this often and unauthenticated: count at most every few seconds.
    sendingStatus: async () => {
      const nowMs = now();
      if (!lastStatus || nowMs - lastStatus.at >= STATUS_CACHE_MS) {
        lastStatus = { at: nowMs, value: (await capReached(nowMs)) ? 'PAUSED' : 'ACTIVE' };
      }
      return lastStatus.value;
    },
  };
}
