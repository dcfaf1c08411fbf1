import request from 'supertest';
import type { Target } from './app';

let inboundSeq = 0;

/** An inbound `mo_text` as Sinch posts it (docs/sinch-sms-api.md §7); a fresh inbound id unless given. */
export function moText(from: string, body: string, fields: { id?: string; receivedAt?: string } = {}) {
  inboundSeq += 1;
  return {
    type: 'mo_text',
    id: fields.id ?? `01INBOUND${String(inboundSeq).padStart(17, '0')}`,
    from,
    to: '15550001111',
    body,
    received_at: fields.receivedAt ?? new Date().toISOString(),
    operator_id: '31000',
  };
}

/** A recipient delivery report as Sinch posts it. */
export function recipientReport(
  batchId: string,
  recipient: string,
  status: string,
  code: number,
  at?: string,
) {
  return {
    type: 'recipient_delivery_report_sms',
    batch_id: batchId,
    recipient,
    status,
    code,
    at: at ?? new Date().toISOString(),
  };
}

/** POSTs a callback to /webhooks/dlr the way Sinch does, and expects it to be acknowledged. */
export async function postCallback(app: Target, body: object): Promise<void> {
  const res = await request(app)
    .post('/webhooks/dlr')
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body));
  if (res.status !== 200) throw new Error(`callback answered ${res.status}: ${res.text}`);
}
