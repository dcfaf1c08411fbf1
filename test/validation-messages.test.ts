import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { makeTestApp } from './helpers/app';

const recipients = (n: number) => Array.from({ length: n }, (_, i) => `+1555${String(i).padStart(7, '0')}`);

describe('Validation messages, in words', () => {
  it.each([
    ['`to` is missing', { message: 'Hello' }, 'to', 'is required'],
    ['`to` is a number', { to: 15551234567, message: 'Hello' }, 'to', 'must be text or a list'],
    [
      '`to` lists 1,001 numbers',
      { to: recipients(1001), message: 'Hello' },
      'to',
      'at most 1,000 recipients',
    ],
    [
      'an unknown field `colour` is sent',
      { to: '+15551234567', message: 'Hi', colour: 'red' },
      'colour',
      'is not a known field',
    ],
    ['`message` is a number', { to: '+15551234567', message: 42 }, 'message', 'must be text'],
    [
      '`clientReference` is too long',
      { to: '+15551234567', message: 'Hi', clientReference: 'r'.repeat(129) },
      'clientReference',
      'must be at most 128 characters',
    ],
  ])(
    'When POST /send-sms: %s, then the 400 says so in words and names the field',
    async (_name, body, field, words) => {
      const { app } = await makeTestApp();

      const res = await request(app).post('/send-sms').send(body);

      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', requestId: expect.any(String) });
      expect(res.body.error).toContain(`\`${field}\``);
      expect(res.body.error).toContain(words);
      expect(res.body.error).not.toContain('Invalid input');
      expect(res.body.details).toContainEqual({ field, problem: expect.stringContaining(words) });
    },
  );

  it('When GET /messages gets an unknown parameter, then the 400 names it as not a known field', async () => {
    const { app } = await makeTestApp();

    const res = await request(app).get('/messages?colour=red');

    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Invalid query: `colour` is not a known field.');
    expect(res.body.details).toEqual([{ field: 'colour', problem: 'is not a known field' }]);
  });

  it('When the body is a JSON array, then the 400 says the body must be a JSON object', async () => {
    const { app } = await makeTestApp();

    const res = await request(app)
      .post('/send-sms')
      .send([{ to: '+15551234567', message: 'Hi' }]);

    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Invalid request body: the request body must be a JSON object.');
  });
});
