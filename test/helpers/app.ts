import { Writable } from 'node:stream';
import type { Express } from 'express';
import { buildApp } from '../../src/app';
import type { Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createSinchClient } from '../../src/sinch/sinch.client';

/** A fake Sinch origin that nock intercepts; nothing is ever sent to a real Sinch host. */
export const FAKE_SINCH = 'https://sinch.test';
export const TEST_TOKEN = 'test-token-not-real-0001';
export const TEST_PLAN = 'test-plan';

export function testConfig(overrides: Partial<Config> = {}, sinch: Partial<Config['sinch']> = {}): Config {
  return {
    sinch: {
      servicePlanId: TEST_PLAN,
      apiToken: TEST_TOKEN,
      number: '+15550001111',
      region: 'us',
      baseUrl: FAKE_SINCH,
      timeoutMs: 2_000,
      deliveryReport: 'per_recipient',
      ...sinch,
    },
    publicBaseUrl: undefined,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'debug',
    rateLimitSendPerMinute: 1000,
    trustProxy: 'loopback',
    ...overrides,
  };
}

/** Collects every log line the app writes, parsed, so tests can assert on them. */
export class LogCapture extends Writable {
  readonly lines: Array<Record<string, unknown> & { level: string; msg: string }> = [];
  readonly raw: string[] = [];

  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      this.raw.push(line);
      this.lines.push(JSON.parse(line));
    }
    done();
  }

  text(): string {
    return this.raw.join('\n');
  }

  find(msg: string) {
    return this.lines.filter((line) => line.msg === msg);
  }
}

export type TestApp = { app: Express; logs: LogCapture; config: Config };

export function makeTestApp(config: Config = testConfig()): TestApp {
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs);
  const sinch = createSinchClient(config.sinch);
  return { app: buildApp({ config, logger, sinch }), logs, config };
}

/** The batch object Sinch answers a send with. */
export function sinchBatch(fields: Record<string, unknown> = {}) {
  return {
    id: '01FC66621XXXXX119Z8PMV1QPQ',
    to: ['15551234567'],
    from: '15550001111',
    canceled: false,
    body: 'Hello',
    type: 'mt_text',
    created_at: '2026-11-28T10:00:00.000Z',
    modified_at: '2026-11-28T10:00:00.000Z',
    delivery_report: 'per_recipient',
    ...fields,
  };
}
