import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger';
import { SIGNATURE_HEADERS } from '../src/sinch/signing';
import { LogCapture } from './helpers/app';

const SECRET = 'not-a-real-secret-0001';

function logged(write: (log: ReturnType<typeof createLogger>) => void) {
  const capture = new LogCapture();
  write(createLogger('info', capture));
  expect(capture.lines).toHaveLength(1);
  return { line: capture.lines[0] as Record<string, unknown>, text: capture.text() };
}

describe('log redaction', () => {
  it.each([
    ['req.headers.authorization', { req: { headers: { authorization: SECRET } } }],
    ['req.headers["x-api-key"]', { req: { headers: { 'x-api-key': SECRET } } }],
    ['the signature header', { req: { headers: { [SIGNATURE_HEADERS.signature]: SECRET } } }],
    ['req.headers.cookie', { req: { headers: { cookie: SECRET } } }],
    ['headers.authorization', { headers: { authorization: SECRET } }],
    ['config.sinch.apiToken', { config: { sinch: { apiToken: SECRET } } }],
    ['config.apiKeys', { config: { apiKeys: [SECRET] } }],
    ['config.webhookAuth.hmacSecrets', { config: { webhookAuth: { hmacSecrets: [SECRET] } } }],
    ['config.webhookAuth.basicCredentials', { config: { webhookAuth: { basicCredentials: SECRET } } }],
    ['apiToken', { apiToken: SECRET }],
    ['apiKey', { apiKey: SECRET }],
    ['apiKeys', { apiKeys: [SECRET] }],
    ['hmacSecrets', { hmacSecrets: [SECRET] }],
    ['basicCredentials', { basicCredentials: SECRET }],
    ['token', { token: SECRET }],
    ['secret', { secret: SECRET }],
    ['password', { password: SECRET }],
    ['*.apiKey', { client: { apiKey: SECRET } }],
    ['*.secret', { endpoint: { secret: SECRET } }],
    ['*.password', { database: { password: SECRET } }],
  ])(
    'When a line carries %s, then the value is written as [redacted] and the rest of the line as it was',
    (_, fields) => {
      const original = structuredClone(fields);
      const { line, text } = logged((log) => log.info({ ...fields, batchId: 'b-1' }, 'a line'));
      expect(text).not.toContain(SECRET);
      expect(text).toContain('[redacted]');
      expect(line.batchId).toBe('b-1');
      // The caller's object is left as it was.
      expect(fields).toEqual(original);
    },
  );

  it('When a secret sits in a child logger’s bindings or on an error, then it is written as [redacted], and the error keeps its message and stack', () => {
    const error = Object.assign(new Error('connect failed'), { password: SECRET });
    const { line, text } = logged((log) =>
      log.child({ req: { id: 'r-1', headers: { authorization: SECRET } } }).error({ err: error }, 'failed'),
    );
    expect(text).not.toContain(SECRET);
    expect(line.req).toEqual({ id: 'r-1', headers: { authorization: '[redacted]' } });
    expect(line.err).toMatchObject({ message: 'connect failed', password: '[redacted]' });
    expect(String((line.err as { stack: string }).stack)).toMatch(/^Error: connect failed/);
    expect(error.password).toBe(SECRET);
  });

  it('When the secret sits in a frozen object, behind a getter, or in bindings set later, then it is written as [redacted] and nothing throws', () => {
    const frozen = Object.freeze({
      endpoint: Object.freeze({ secret: SECRET, url: 'https://example.test' }),
    });
    const behindGetter = {
      client: {
        get apiKey() {
          return SECRET;
        },
        name: 'app',
      },
    };
    const capture = new LogCapture();
    const log = createLogger('info', capture);
    log.info(frozen, 'frozen');
    log.info(behindGetter, 'getter');
    const child = log.child({ req: { id: 'r-2' } });
    child.setBindings({ token: SECRET });
    child.info('set later');
    expect(capture.lines).toHaveLength(3);
    expect(capture.text()).not.toContain(SECRET);
    expect(capture.lines[0]?.endpoint).toEqual({ secret: '[redacted]', url: 'https://example.test' });
    expect(capture.lines[1]?.client).toEqual({ apiKey: '[redacted]', name: 'app' });
    expect(capture.lines[2]?.token).toBe('[redacted]');
  });

  it('When a secret field is undefined, then the line leaves it out as JSON does, instead of showing a redaction', () => {
    const { line } = logged((log) =>
      log.info({ token: undefined, client: { apiKey: undefined } }, 'nothing'),
    );
    expect(line).not.toHaveProperty('token');
    expect(line.client).toEqual({});
  });

  it('When a line carries no secret, then every field is written as given', () => {
    const fields = {
      batchId: 'b-1',
      recipient: '15551234567',
      status: 'Delivered',
      code: 0,
      nested: { a: 1 },
    };
    const { line } = logged((log) => log.info(fields, 'delivery status'));
    expect(line).toMatchObject(fields);
  });
});
