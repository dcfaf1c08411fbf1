import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { makeTestApp } from './helpers/app';
import { DB_KINDS } from './helpers/databases';

describe('Malformed escapes in the path', () => {
  it.each([
    ['GET', '/messages/%E0%A4%A'],
    ['GET', '/messages/%ff'],
    ['DELETE', '/messages/%ff'],
    ['GET', '/opt-outs/%ff'],
    ['DELETE', '/opt-outs/%ff'],
  ])('When %s %s is asked, then it answers 400 in the JSON shape and logs no stack', async (method, path) => {
    const { app, logs } = await makeTestApp();

    const res = await request(app)[method === 'GET' ? 'get' : 'delete'](path);

    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body).toEqual({
      code: 'BAD_REQUEST',
      error: 'The request path is not validly percent-encoded.',
      requestId: expect.any(String),
    });
    expect(logs.lines.filter((line) => line.level === 'error')).toEqual([]);
    expect(logs.text()).not.toContain('URIError');
  });
});

describe.each(DB_KINDS)('A NUL in a message id (%s)', (kind) => {
  it.each(['GET', 'DELETE'])(
    'When %s /messages/%00 is asked, then it answers 404, never 503',
    async (method) => {
      const { app } = await makeTestApp({ db: kind });

      const res = await request(app)[method === 'GET' ? 'get' : 'delete']('/messages/%00');

      expect(res.status, JSON.stringify(res.body)).toBe(404);
      expect(res.body).toMatchObject({ code: 'NOT_FOUND', requestId: expect.any(String) });
    },
  );
});
