import type { Logger } from '../logger';
import { sinchSignatureHeaders } from '../sinch/signing';
import { newUlid } from './ids';
import type { TimerSet } from './timer-set';

export type CallbackState = 'pending' | 'delivered' | 'dropped' | 'failed';

export type CallbackRecord = {
  id: string;
  url: string;
  batchId: string;
  recipient?: string;
  payload: Record<string, unknown>;
  /** The exact bytes sent (and signed). */
  rawBody: string;
  attempts: number;
  lastStatus?: number;
  lastError?: string;
  state: CallbackState;
  createdAt: string;
  updatedAt: string;
};

export type CallbackSenderOptions = {
  timers: TimerSet;
  logger: Logger;
  retryBaseMs: number;
  maxAttempts: number;
  timeoutMs: number;
  /** Callback POSTs open at once at most, over all chains; the others wait for a slot. */
  maxInFlight: number;
  webhookSecret?: string;
};

/**
 * Posts callbacks like Sinch (docs/sinch-sms-api.md §5): 2xx done; 5xx, 429 or a transport error retried
 * after retryBaseMs, then doubling; any other 4xx dropped for good. Callbacks sharing a chain key
 * go out one after the other, each waiting until the previous is acknowledged or given up. At most
 * `maxInFlight` POSTs are open at once: a batch of 1,000 recipients otherwise opened 1,000 connections
 * at the same moment, past the service's connection cap, and the refused ones backed off for minutes.
 */
export class CallbackSender {
  readonly records: CallbackRecord[] = [];
  private chains = new Map<string, Promise<void>>();
  private inFlight = new Set<AbortController>();
  /** Attempts waiting for one of the maxInFlight slots, first come first served. */
  private waitingForSlot: Array<() => void> = [];
  private open = 0;
  private generation = 0;

  constructor(private readonly options: CallbackSenderOptions) {}

  /** Queues one callback behind the others of its chain and returns its (live) record. */
  enqueue(
    chainKey: string,
    url: string,
    payload: Record<string, unknown>,
    meta: { batchId: string; recipient?: string },
  ): CallbackRecord {
    const now = new Date().toISOString();
    const record: CallbackRecord = {
      id: newUlid(),
      url,
      ...meta,
      payload,
      rawBody: JSON.stringify(payload),
      attempts: 0,
      state: 'pending',
      createdAt: now,
      updatedAt: now,
    };
    this.records.push(record);
    const generation = this.generation;
    const previous = this.chains.get(chainKey) ?? Promise.resolve();
    const next = previous.then(() => (generation === this.generation ? this.deliver(record) : undefined));
    this.chains.set(chainKey, next);
    void next.finally(() => {
      if (this.chains.get(chainKey) === next) this.chains.delete(chainKey);
    });
    return record;
  }

  /** Aborts requests in flight and abandons queued callbacks; records stay readable. */
  halt(): void {
    this.generation++;
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
    // Abandoned: their deliver() sees the new generation as soon as it runs again.
    for (const go of this.waitingForSlot.splice(0)) go();
    this.chains.clear();
  }

  /** halt(), then forgets every record. Timers are cleared by the owner. */
  reset(): void {
    this.halt();
    this.records.length = 0;
  }

  private async deliver(record: CallbackRecord): Promise<void> {
    const generation = this.generation;
    const { maxAttempts, retryBaseMs, timers, logger } = this.options;
    while (record.attempts < maxAttempts) {
      await this.slot();
      if (generation !== this.generation) return this.release();
      const outcome = await this.attempt(record).finally(() => this.release());
      if (generation !== this.generation) return;
      if (outcome === 'done') return;
      if (record.attempts >= maxAttempts) break;
      const wait = retryBaseMs * 2 ** (record.attempts - 1);
      logger.debug({ callbackId: record.id, attempt: record.attempts, wait }, 'callback will be retried');
      if (!(await timers.delay(wait)) || generation !== this.generation) return;
    }
    this.settle(record, 'failed');
    logger.warn({ callbackId: record.id, url: record.url, attempts: record.attempts }, 'callback gave up');
  }

  private slot(): Promise<void> {
    if (this.open < this.options.maxInFlight) {
      this.open++;
      return Promise.resolve();
    }
    return new Promise((go) =>
      this.waitingForSlot.push(() => {
        this.open++;
        go();
      }),
    );
  }

  private release(): void {
    this.open--;
    this.waitingForSlot.shift()?.();
  }

  /** One POST; 'done' when delivered or dropped, 'retry' when Sinch would try again. */
  private async attempt(record: CallbackRecord): Promise<'done' | 'retry'> {
    record.attempts++;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.webhookSecret) {
      // A fresh nonce per attempt and the current time, as Sinch signs each delivery attempt.
      const now = Date.now();
      const timestamp = String(Math.floor(now / 1000));
      Object.assign(
        headers,
        sinchSignatureHeaders(this.options.webhookSecret, record.rawBody, newUlid(now), timestamp),
      );
    }
    const controller = new AbortController();
    this.inFlight.add(controller);
    try {
      const response = await fetch(record.url, {
        method: 'POST',
        headers,
        body: record.rawBody,
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      record.lastStatus = response.status;
      record.lastError = undefined;
      if (response.ok) return this.settle(record, 'delivered');
      if (response.status >= 500 || response.status === 429) return this.touch(record);
      this.options.logger.warn({ callbackId: record.id, status: response.status }, 'callback dropped on 4xx');
      return this.settle(record, 'dropped');
    } catch (error) {
      record.lastError =
        error instanceof Error ? (error.cause as Error)?.message || error.message : String(error);
      return this.touch(record);
    } finally {
      this.inFlight.delete(controller);
    }
  }

  private settle(record: CallbackRecord, state: CallbackState): 'done' {
    record.state = state;
    record.updatedAt = new Date().toISOString();
    return 'done';
  }

  private touch(record: CallbackRecord): 'retry' {
    record.updatedAt = new Date().toISOString();
    return 'retry';
  }
}
