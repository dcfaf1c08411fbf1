import { writeFileSync } from 'node:fs';
import request from 'supertest';
import { it } from 'vitest';
import { makeTestApp } from './helpers/app';
it('x', async () => {
  const { app } = await makeTestApp();
  const out: string[] = [];
  for (const [m, p] of [['options', '/send-sms'], ['get', '/send-sms'], ['put', '/messages/abc'], ['options', '/messages/abc'], ['post','/messages'], ['options','/nope'], ['get','/health/live'], ['options','/health/live'], ['head','/messages']] as const) {
    const r = await (request(app) as any)[m](p);
    out.push([m, p, r.status, r.headers.allow, String(JSON.stringify(r.text)).slice(0, 120)].join(' '));
  }
  writeFileSync('/tmp/out.txt', out.join('\n'));
});
