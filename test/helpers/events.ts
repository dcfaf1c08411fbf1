import type { Db } from '../../src/db/database';
import { type EndpointRow, insertEndpoint } from '../../src/events/endpoints.repository';
import { emitEvent } from '../../src/events/outbox.repository';

/** A status change of a message at `nowMs`, its code counting up: the order it was written in. */
export async function emitStatus(db: Db, messageId: string, code: number, nowMs = Date.now()): Promise<void> {
  const now = new Date(nowMs).toISOString();
  await db.transaction().execute((trx) =>
    emitEvent(
      trx,
      'message.status_changed',
      {
        messageId,
        batchId: `b-${messageId}`,
        clientReference: null,
        recipient: '+15551234567',
        status: 'Dispatched',
        code,
        at: now,
        operatorStatusAt: null,
        final: false,
      },
      now,
    ),
  );
}

/** An endpoint as POST /event-endpoints stores it, at `https://app.example/<id>`; `over` sets any column. */
export async function addEndpoint(db: Db, id: string, over: Partial<EndpointRow> = {}): Promise<void> {
  await insertEndpoint(db, {
    id,
    url: `https://app.example/${id}`,
    secrets: null,
    retiring_secrets: null,
    event_types: null,
    source: 'api',
    description: null,
    failing_since: null,
    paused_at: null,
    created_at: new Date().toISOString(),
    behind_from_seq: null,
    resumed_at: null,
    ...over,
  });
}
