import { newId } from '../core/ids';
import type { Handle } from '../db/database';
import { preparedQuery } from '../db/prepared';
import type { Event, EventData, EventType } from './events.schemas';

/**
 * The outbox's writing side: an event is one prepared INSERT in the transaction of the change that
 * caused it, so it commits (or rolls back) with that change. Delivery happens later, off the request
 * path (dispatcher.ts).
 */

type OutboxRow = {
  id: string;
  type: string;
  messageId: string | null;
  dedupeKey: string | null;
  payload: string;
  now: string;
};

/** An outbox row as the events table names its columns. */
const columns = (v: OutboxRow) => ({
  id: v.id,
  type: v.type,
  message_id: v.messageId,
  dedupe_key: v.dedupeKey,
  payload: v.payload,
  created_at: v.now,
});

const insertEvent = preparedQuery((db, v: OutboxRow) =>
  db
    .insertInto('events')
    .values(columns(v))
    .onConflict((oc) => oc.column('dedupe_key').doNothing()),
);

function row<T extends EventType>(
  type: T,
  data: EventData<T>,
  now: string,
  dedupeKey: string | null,
): OutboxRow {
  const id = `evt_${newId().replaceAll('-', '')}`;
  const event: Event<T> = { id, type, timestamp: now, data };
  const messageId = 'messageId' in data && typeof data.messageId === 'string' ? data.messageId : null;
  return { id, type, messageId, dedupeKey, payload: JSON.stringify(event), now };
}

/** Writes one event to the outbox in the caller's transaction; a repeated `dedupeKey` writes nothing. */
export async function emitEvent<T extends EventType>(
  trx: Handle,
  type: T,
  data: EventData<T>,
  now: string,
  dedupeKey: string | null = null,
): Promise<void> {
  await insertEvent(trx, row(type, data, now, dedupeKey));
}

/** Rows per statement of emitEvents: six values a row, far under either database's parameter limit. */
const EMIT_CHUNK = 500;

/**
 * emitEvent for many events of one type at once (a report's opt-outs: up to 1,000), one INSERT per 500
 * rather than a round trip each; a repeated `dedupeKey` writes nothing, as there.
 */
export async function emitEvents<T extends EventType>(
  trx: Handle,
  type: T,
  events: ReadonlyArray<{ data: EventData<T>; dedupeKey: string | null }>,
  now: string,
): Promise<void> {
  for (let i = 0; i < events.length; i += EMIT_CHUNK) {
    const rows = events.slice(i, i + EMIT_CHUNK).map((event) => row(type, event.data, now, event.dedupeKey));
    await trx
      .insertInto('events')
      .values(rows.map(columns))
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .execute();
  }
}
