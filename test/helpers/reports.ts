import request from 'supertest';
import { expect } from 'vitest';
import type { Target } from './app';

/** A recipient delivery report for the one test recipient, as Sinch posts it (number without +). */
export function report(batchId: string, status: string, code: number, at: string, extra: object = {}) {
  return {
    type: 'recipient_delivery_report_sms',
    batch_id: batchId,
    recipient: '15551234567',
    status,
    code,
    at,
    ...extra,
  };
}

/** POSTs a callback to /webhooks/dlr the way Sinch does; the caller asserts the answer. */
export const postReport = (app: Target, body: object) =>
  request(app).post('/webhooks/dlr').set('Content-Type', 'application/json').send(JSON.stringify(body));

/** GET /messages/:id, expected to answer 200; its body. */
export async function view(app: Target, id: string) {
  const res = await request(app).get(`/messages/${id}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}
