import type { Express } from 'express';
import nock from 'nock';
import request from 'supertest';
import { expect, onTestFinished } from 'vitest';
import type { Config } from '../../src/config';
import { sinchSignatureHeaders as signedHeaders } from '../../src/sinch/signing';
import {
  FAKE_SINCH,
  makeTestApp,
  sinchBatch,
  TEST_PLAN,
  TEST_TOKEN,
  type TestApp,
  type TestAppOptions,
  testConfig,
} from './app';

// Obviously fake values; tests search the logs for each of them.
export const API_KEY = 'test-api-key-not-real-0001';
export const OTHER_API_KEY = 'test-api-key-not-real-0002';
export const WEBHOOK_SECRET = 'test-webhook-secret-not-real-1';
export const OLD_WEBHOOK_SECRET = 'test-webhook-secret-not-real-0';
export const BASIC_USER = 'sinch-test';
export const BASIC_PASSWORD = 'test-basic-password-not-real';

/** Every secret a test may configure: none of them may ever appear in a log line. */
export const ALL_SECRETS = [
  TEST_TOKEN,
  API_KEY,
  OTHER_API_KEY,
  WEBHOOK_SECRET,
  OLD_WEBHOOK_SECRET,
  BASIC_PASSWORD,
  Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64'),
];

/** Test config with API keys and both kinds of callback authentication switched on. */
export function secureConfig(overrides: Partial<Config> = {}): Config {
  const { webhookAuth } = testConfig();
  return testConfig({
    apiKeys: [API_KEY, OTHER_API_KEY],
    webhookAuth: {
      ...webhookAuth,
      hmacSecrets: [WEBHOOK_SECRET],
      basicCredentials: [{ username: BASIC_USER, password: BASIC_PASSWORD }],
    },
    ...overrides,
  });
}

/**
 * The four headers Sinch signs a callback with, from the one signing module (which the emulator uses
 * too); the documented test vector in webhooks-dlr.security.test.ts keeps that module honest.
 */
export function sinchSignatureHeaders(
  secret: string,
  rawBody: string,
  timestampSeconds = Math.floor(Date.now() / 1000),
  nonce = '01JHFFHWYY7HSS4FWTMDTQEK8V',
): Record<string, string> {
  return signedHeaders(secret, rawBody, nonce, String(timestampSeconds));
}

export function basicAuthHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Secrets found in the captured log text; the assertion message names them. */
export function leakedSecrets(logText: string): string[] {
  return ALL_SECRETS.filter((secret) => logText.includes(secret));
}

/** `makeTestApp`, and when the test ends, a check that no secret reached any captured log line. */
export async function makeSecureApp(options: TestAppOptions = {}): Promise<TestApp> {
  const testApp = await makeTestApp({ config: secureConfig(), ...options });
  onTestFinished(() => {
    expect(leakedSecrets(testApp.logs.text()), 'secrets found in the logs').toEqual([]);
  });
  return testApp;
}

export const BATCHES_PATH = `/xms/v1/${TEST_PLAN}/batches`;

/** nock plays Sinch accepting `times` batches; the scope tells whether Sinch was called. */
export function fakeSinchAccepts(times = 1) {
  let n = 0;
  return nock(FAKE_SINCH)
    .post(BATCHES_PATH)
    .times(times)
    .reply(201, (_uri, body) =>
      sinchBatch({ ...(body as object), id: `01BATCH${String(++n).padStart(19, '0')}` }),
    );
}

/** POST /send-sms with the key as a Bearer token; `null` sends no key at all. */
export function postSend(app: Express, body: object, key: string | null = API_KEY) {
  const req = request(app).post('/send-sms');
  if (key !== null) req.set('Authorization', `Bearer ${key}`);
  return req.send(body);
}
