import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { testConfig } from './helpers/app';
import { API_KEY, fakeSinchAccepts, makeSecureApp, OTHER_API_KEY, postSend } from './helpers/security';

async function sentMessageId(app: Parameters<typeof postSend>[0], key: string | null = API_KEY) {
  fakeSinchAccepts();
  const res = await postSend(app, { to: '+15551234567', message: 'Hello' }, key);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.messageId as string;
}

describe('GET /messages/:id, API keys', () => {
  it('When no key is sent, then it answers 401 in the JSON shape and shows nothing of the message', async () => {
    const { app, logs } = await makeSecureApp();
    const id = await sentMessageId(app);

    const res = await request(app).get(`/messages/${id}`);

    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: expect.any(String),
      code: 'UNAUTHORIZED',
      requestId: expect.any(String),
    });
    expect(res.text).not.toContain('15551234567');
    expect(logs.find('api key refused: missing key')).toHaveLength(1);
  });

  it('When a wrong key is sent, then it answers 401', async () => {
    const { app, logs } = await makeSecureApp();
    const id = await sentMessageId(app);
    const res = await request(app).get(`/messages/${id}`).set('X-API-Key', 'wrong-key-wrong-key-wrong');
    expect(res.status).toBe(401);
    expect(logs.find('api key refused: unknown key')).toHaveLength(1);
  });

  it('When no key is sent for an id that does not exist, then it is 401 too: existence does not leak', async () => {
    const { app } = await makeSecureApp();
    expect((await request(app).get('/messages/nope')).status).toBe(401);
  });

  it.each([
    ['Authorization', `Bearer ${API_KEY}`],
    ['X-API-Key', OTHER_API_KEY],
  ])('When a valid key is sent in %s, then the message is shown', async (header, value) => {
    const { app } = await makeSecureApp();
    const id = await sentMessageId(app);
    const res = await request(app).get(`/messages/${id}`).set(header, value);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.id).toBe(id);
  });

  it('When a valid key asks for an unknown id, then it answers 404', async () => {
    const { app } = await makeSecureApp();
    const res = await request(app).get('/messages/nope').set('X-API-Key', API_KEY);
    expect(res.status).toBe(404);
  });

  it('When no key is configured, then the message is shown without one', async () => {
    const { app } = await makeSecureApp({ config: testConfig() });
    const id = await sentMessageId(app, null);
    expect((await request(app).get(`/messages/${id}`)).status).toBe(200);
  });
});
