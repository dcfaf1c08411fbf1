import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { loggableUrl } from '../src/http/request-logging';
import { makeTestApp } from './helpers/app';

const SECRET = 'query-secret-not-real-0001';

describe('The request log line and the query string', () => {
  it.each(['api_key', 'token', 'signature', 'apiKey', 'access_token', 'client_secret', 'api%5Fkey'])(
    'When a request carries ?%s=<secret>, then no log line holds the secret, and the name is kept',
    async (name) => {
      const { app, logs } = await makeTestApp();

      const res = await request(app).get(`/messages?${name}=${SECRET}&limit=5`);

      const lines = logs.lines.filter(
        (l) => (l.req as { id?: string } | undefined)?.id === res.headers['x-request-id'],
      );
      expect(lines.length).toBeGreaterThan(0);
      expect(logs.text()).not.toContain(SECRET);
      expect(lines[0]?.req).toMatchObject({ url: `/messages?${name}=[redacted]&limit=5` });
    },
  );

  it('When ten requests carry ?api_key=, then the key is written to the log zero times', async () => {
    const { app, logs } = await makeTestApp();

    for (let i = 0; i < 10; i++) await request(app).get(`/opt-outs?api_key=${SECRET}`);

    expect(logs.lines.length).toBeGreaterThanOrEqual(10);
    expect(logs.text().split(SECRET)).toHaveLength(1);
  });

  it('When a query has bare names, repeated names or none, then they are kept as written', () => {
    expect(loggableUrl('/send-sms?dryRun')).toBe('/send-sms?dryRun');
    expect(loggableUrl('/messages?status=Delivered&status=Failed')).toBe(
      '/messages?status=Delivered&status=Failed',
    );
    expect(loggableUrl('/health')).toBe('/health');
    expect(loggableUrl('/x?%E0%A4%A=1&key=%ff')).toBe('/x?%E0%A4%A=1&key=[redacted]');
  });
});
