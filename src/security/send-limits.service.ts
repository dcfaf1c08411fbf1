import type { Config } from '../config';
import type { Db } from '../db/database';
import { AppError, storageUnavailable } from '../http/errors';
import type { Logger } from '../logger';
import { normalizeMsisdn } from '../sinch/callbacks.schemas';
import { countSince, countToNumberSince } from './send-limits.repository';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** A limit refused the send: the error to answer and, when known, when trying again can work. */
export type SendRefusal = { error: AppError; retryAfterSeconds?: number };

export type SendGuard = {
  /**
   * Refuses a send that breaks the allow-list, the per-number velocity limit or the daily cap,
   * before anything is stored or sent. Counts come from the database, so they hold across instances;
   * check-then-insert is not atomic, so concurrent requests can overshoot a limit by their number.
   * That is fine for a guard rail against pumping, which is about thousands, not a few.
   */
  check(to: string, log: Logger): Promise<SendRefusal | undefined>;
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

  // The database's word on the cap; the pause is logged once when it starts and once when it ends.
  async function capReached(nowMs: number): Promise<boolean> {
    if (maxPerDay === 0) return false;
    const sentToday = await countSince(deps.db, new Date(startOfUtcDay(nowMs)).toISOString());
    const reached = sentToday >= maxPerDay;
    if (reached && !paused) {
      deps.logger.error({ maxPerDay, sentToday }, 'daily cap reached: sending paused');
    } else if (!reached && paused) {
      deps.logger.info({ maxPerDay, sentToday }, 'daily cap no longer reached: sending resumed');
    }
    paused = reached;
    return reached;
  }

  async function check(to: string, log: Logger): Promise<SendRefusal | undefined> {
    const msisdn = normalizeMsisdn(to);
    const destination = maskMsisdn(msisdn);
    if (
      allowedDestinationPrefixes.length > 0 &&
      !allowedDestinationPrefixes.some((prefix) => msisdn.startsWith(prefix))
    ) {
      log.warn({ destination }, 'send refused: destination outside the allow-list');
      const allowed = allowedDestinationPrefixes.map((p) => `+${p}`).join(', ');
      return {
        error: new AppError(
          'FORBIDDEN_DESTINATION',
          `Sending to this destination is not allowed; allowed prefixes: ${allowed}.`,
        ),
      };
    }

    const nowMs = now();
    try {
      if (await capReached(nowMs)) {
        const retryAfterSeconds = Math.ceil((startOfUtcDay(nowMs) + DAY_MS - nowMs) / 1000);
        return {
          retryAfterSeconds,
          error: new AppError(
            'DAILY_CAP_REACHED',
            `The daily cap of ${maxPerDay} messages is reached: sending is paused until 00:00 UTC.`,
          ),
        };
      }
      if (maxPerNumberPerHour > 0) {
        const since = new Date(nowMs - HOUR_MS).toISOString();
        const { count, oldest } = await countToNumberSince(deps.db, msisdn, since);
        if (count >= maxPerNumberPerHour) {
          log.warn({ destination, count, maxPerNumberPerHour }, 'send refused: per-number limit reached');
          // At the earliest, a slot frees when the oldest message in the window leaves it.
          const freesAt = oldest ? Date.parse(oldest) + HOUR_MS : nowMs + HOUR_MS;
          return {
            retryAfterSeconds: Math.max(1, Math.ceil((freesAt - nowMs) / 1000)),
            error: new AppError(
              'DESTINATION_RATE_LIMITED',
              `Too many messages to this number: at most ${maxPerNumberPerHour} an hour.`,
            ),
          };
        }
      }
    } catch (error) {
      throw storageUnavailable(error);
    }
    return undefined;
  }

  return {
    check,
    sendingStatus: async () => ((await capReached(now())) ? 'PAUSED' : 'ACTIVE'),
  };
}
