import type { Config } from '../config';
import { AppError } from '../core/errors';
import { lockNumbers } from '../core/locks';
import type { Db, Handle } from '../db/database';
import type { Logger } from '../logger';
import {
  addToDailyCount,
  addToDailyKeyCount,
  countToNumbersSince,
  dailyCount,
  dailyKeyCount,
  utcDay,
} from './send-limits.repository';

const HOUR_MS = 3_600_000;
const STATUS_CACHE_MS = 5_000;
const DAY_MS = 86_400_000;

/** Numbers (digits only) a limit refused, and a refusal of the whole send (a daily cap). */
export type SendCheck = { refused: Map<string, AppError>; batch?: AppError };

/**
 * What a send costs: SMS parts per recipient (counted as Sinch bills them), and the API key that spends
 * them (its fingerprint; undefined without API keys).
 */
export type SendCost = { parts: number; keyId: string | undefined };

export type SendGuard = {
  /**
   * Refuses a send that breaks the allow-list, the per-number velocity limit or the daily cap,
   * before anything is stored or sent: numbers over a limit are named, to be skipped. Counts come
   * from the database, so they hold across instances.
   */
  check(msisdns: string[], cost: SendCost, log: Logger): Promise<SendCheck>;
  /**
   * The limits again, inside the transaction that stores the send. The numbers are locked and recounted
   * until it commits, so of concurrent requests to a number that all passed `check` only as many as its
   * limit allows are stored. Then the send is added to the day's count, whose row stays locked until
   * the commit, and refused if that passes the daily cap. A refusal is for the caller to throw: the
   * transaction rolls back, the count with it.
   */
  reserve(trx: Handle, msisdns: string[], cost: SendCost, log: Logger): Promise<AppError | undefined>;
  /** Takes `n` SMS parts stored at `createdAt` back off their day's counts (Sinch refused them). */
  release(createdAt: string, n: number, keyId: string | undefined): Promise<void>;
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
  const maxPerKeyPerDay = deps.config.sendLimits.maxPerKeyPerDay ?? 0;
  // Keys whose cap was logged today (`day:key`): one line per key and day, not one per refused send.
  const keyCapLogged = new Set<string>();
  let paused = false;
  let lastStatus: { at: number; value: 'ACTIVE' | 'PAUSED' } | undefined;

  // The pause is logged once when it starts and once when it ends.
  function capState(sentToday: number, adding: number): boolean {
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

  // The database's word on the cap.
  async function capReached(nowMs: number, adding = 0): Promise<boolean> {
    if (maxPerDay === 0) return false;
    const today = utcDay(new Date(nowMs).toISOString());
    return capState(await dailyCount(deps.db, today), adding);
  }

  function capRefusal(nowMs: number): AppError {
    return new AppError(
      'DAILY_CAP_REACHED',
      `The daily cap of ${maxPerDay} SMS parts is reached: sending is paused until 00:00 UTC.`,
      undefined,
      { retryAfterSeconds: Math.ceil((startOfUtcDay(nowMs) + DAY_MS - nowMs) / 1000) },
    );
  }

  /** Over this key's own cap once `adding` more parts are counted: the refusal, logged once a day. */
  function keyCapRefusal(sentByKey: number, adding: number, keyId: string, nowMs: number, log: Logger) {
    if (sentByKey + Math.max(adding, 1) <= maxPerKeyPerDay) return undefined;
    const seen = `${utcDay(new Date(nowMs).toISOString())}:${keyId}`;
    if (!keyCapLogged.has(seen)) {
      if (keyCapLogged.size > 10_000) keyCapLogged.clear();
      keyCapLogged.add(seen);
      log.warn({ apiKeyId: keyId, maxPerKeyPerDay, sentByKey }, 'daily cap of an API key reached');
    }
    return new AppError(
      'KEY_DAILY_CAP_REACHED',
      `This API key's daily cap of ${maxPerKeyPerDay} SMS parts is reached; it resets at 00:00 UTC.`,
      undefined,
      { retryAfterSeconds: Math.ceil((startOfUtcDay(nowMs) + DAY_MS - nowMs) / 1000) },
    );
  }

  /** Numbers that `parts` more SMS parts would take past their hourly limit, each with its refusal. */
  async function overHourlyLimit(db: Handle, msisdns: string[], parts: number, nowMs: number, log: Logger) {
    const refused = new Map<string, AppError>();
    if (maxPerNumberPerHour === 0 || msisdns.length === 0) return refused;
    const counts = await countToNumbersSince(db, msisdns, new Date(nowMs - HOUR_MS).toISOString());
    // A message longer than the limit can never pass, so waiting would not help: a 400, not a 429.
    if (parts > maxPerNumberPerHour) {
      throw new AppError(
        'VALIDATION_FAILED',
        `This message is ${parts} SMS parts; at most ${maxPerNumberPerHour} parts an hour may go to one number (MAX_SMS_PER_NUMBER_PER_HOUR).`,
      );
    }
    for (const [msisdn, { count, oldest }] of counts) {
      if (count + parts <= maxPerNumberPerHour) continue;
      log.warn(
        { destination: maskMsisdn(msisdn), count, parts, maxPerNumberPerHour },
        'send refused: per-number limit reached',
      );
      // At the earliest, a slot frees when the oldest message in the window leaves it.
      const freesAt = oldest ? Date.parse(oldest) + HOUR_MS : nowMs + HOUR_MS;
      refused.set(
        msisdn,
        new AppError(
          'DESTINATION_RATE_LIMITED',
          `Too many SMS parts to this number: at most ${maxPerNumberPerHour} an hour (this message has ${parts}).`,
          undefined,
          { retryAfterSeconds: Math.max(1, Math.ceil((freesAt - nowMs) / 1000)) },
        ),
      );
    }
    return refused;
  }

  /** Per-number refusals: outside the allow-list, or over the hourly limit for that number. */
  async function perNumber(
    msisdns: string[],
    parts: number,
    nowMs: number,
    log: Logger,
  ): Promise<Map<string, AppError>> {
    const refused = new Map<string, AppError>();
    if (allowedDestinationPrefixes.length > 0) {
      const allowed = allowedDestinationPrefixes.map((p) => `+${p}`).join(', ');
      for (const msisdn of msisdns) {
        if (allowedDestinationPrefixes.some((prefix) => msisdn.startsWith(prefix))) continue;
        log.warn({ destination: maskMsisdn(msisdn) }, 'send refused: destination outside the allow-list');
        refused.set(
          msisdn,
          new AppError(
            'FORBIDDEN_DESTINATION',
            `Sending to this destination is not allowed; allowed prefixes: ${allowed}.`,
          ),
        );
      }
    }
    const open = msisdns.filter((m) => !refused.has(m));
    for (const [msisdn, refusal] of await overHourlyLimit(deps.db, open, parts, nowMs, log))
      refused.set(msisdn, refusal);
    return refused;
  }

  async function check(msisdns: string[], { parts, keyId }: SendCost, log: Logger): Promise<SendCheck> {
    const nowMs = now();
    const refused = await perNumber(msisdns, parts, nowMs, log);
    const adding = (msisdns.length - refused.size) * parts;
    // A send may change the count: the next health probe counts afresh.
    lastStatus = undefined;
    if (adding > 0 && (await capReached(nowMs, adding))) {
      return { refused, batch: capRefusal(nowMs) };
    }
    if (adding > 0 && keyId && maxPerKeyPerDay > 0) {
      const sentByKey = await dailyKeyCount(deps.db, utcDay(new Date(nowMs).toISOString()), keyId);
      const batch = keyCapRefusal(sentByKey, adding, keyId, nowMs, log);
      if (batch) return { refused, batch };
    }
    return { refused };
  }

  async function reserve(
    trx: Handle,
    msisdns: string[],
    { parts, keyId }: SendCost,
    log: Logger,
  ): Promise<AppError | undefined> {
    const nowMs = now();
    if (maxPerNumberPerHour > 0) {
      // The numbers' stripes in one statement, in the order every transaction takes them; then the day's rows.
      await lockNumbers(trx, msisdns);
      const [first] = (await overHourlyLimit(trx, msisdns, parts, nowMs, log)).values();
      if (first) return first;
    }
    const day = utcDay(new Date(nowMs).toISOString());
    const adding = msisdns.length * parts;
    // Counted whether or not there is a cap, so that one set later starts from the truth.
    const sentToday = await addToDailyCount(trx, day, adding);
    lastStatus = undefined;
    // The total includes this send: over the cap only if it went past it.
    if (maxPerDay > 0 && capState(sentToday - adding, adding)) return capRefusal(nowMs);
    if (!keyId) return undefined;
    const sentByKey = await addToDailyKeyCount(trx, day, keyId, adding);
    if (maxPerKeyPerDay > 0) return keyCapRefusal(sentByKey - adding, adding, keyId, nowMs, log);
    return undefined;
  }

  async function release(createdAt: string, n: number, keyId: string | undefined): Promise<void> {
    if (n === 0) return;
    await addToDailyCount(deps.db, utcDay(createdAt), -n);
    if (keyId) await addToDailyKeyCount(deps.db, utcDay(createdAt), keyId, -n);
    lastStatus = undefined;
  }

  return {
    check,
    reserve,
    release,
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
