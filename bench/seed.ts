import SQLite from 'better-sqlite3';

/**
 * Seeded rows are a pure function of their index, so the load generator can name the batch id and
 * recipient of message i without holding a million strings in memory.
 */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SPREAD_MS = 30 * 86_400_000;

export type SeedPlan = { count: number; startMs: number; stepMs: number };

export function seedPlan(count: number): SeedPlan {
  // Messages spread over the last 30 days, one timestamp each, so ids stay unique and time-ordered.
  const stepMs = Math.max(1, Math.floor(SPREAD_MS / count));
  return { count, startMs: Date.now() - count * stepMs - 60_000, stepMs };
}

function base32(value: number, length: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/** Mixes the index into filler bits: unique ids come from the time part, this only makes them look real. */
function mix(i: number): number {
  return (Math.imul(i ^ 0x5bd1e995, 0x9e3779b1) >>> 0) % 2 ** 30;
}

const timeOf = (plan: SeedPlan, i: number) => plan.startMs + i * plan.stepMs;

/** Sinch batch ids are ULIDs: 10 characters of milliseconds, 16 of randomness. */
export function batchIdFor(plan: SeedPlan, i: number): string {
  return base32(timeOf(plan, i), 10) + base32(mix(i), 6) + base32(mix(i + 1), 6) + base32(i % 2 ** 20, 4);
}

/** Our ids are UUIDv7-shaped (src/db/ids.ts); also the client reference, as the service sets it. */
export function messageIdFor(plan: SeedPlan, i: number): string {
  const hex = timeOf(plan, i).toString(16).padStart(12, '0');
  const tail = mix(i).toString(16).padStart(8, '0') + (i % 0x10000).toString(16).padStart(4, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8)}-7${tail.slice(0, 3)}-8${tail.slice(3, 6)}-${tail.slice(0, 12)}`;
}

export function msisdnFor(i: number): string {
  return `1555${String(i % 10_000_000).padStart(7, '0')}`;
}

/** Bulk-inserts `Sent` messages into a database the service has migrated; returns the milliseconds taken. */
export function seedDatabase(path: string, plan: SeedPlan): number {
  const started = Date.now();
  const sqlite = new SQLite(path);
  // Bulk load without a journal; the service switches the file back to WAL when it opens it.
  sqlite.pragma('journal_mode = OFF');
  sqlite.pragma('synchronous = OFF');
  const message = sqlite.prepare(
    `insert into messages (id, batch_id, client_reference, sender, body, send_status, delivery_report,
       created_at, updated_at) values (?, ?, ?, '12345678901', ?, 'Sent', 'per_recipient', ?, ?)`,
  );
  const recipient = sqlite.prepare(
    `insert into recipients (message_id, msisdn, status, status_rank, updated_at) values (?, ?, 'Sent', 1, ?)`,
  );
  const insertRange = sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = messageIdFor(plan, i);
      const at = new Date(timeOf(plan, i)).toISOString();
      message.run(
        id,
        batchIdFor(plan, i),
        id,
        `Your verification code is ${100_000 + (i % 900_000)}`,
        at,
        at,
      );
      recipient.run(id, msisdnFor(i), at);
    }
  });
  for (let from = 0; from < plan.count; from += 50_000)
    insertRange(from, Math.min(plan.count, from + 50_000));
  sqlite.pragma('journal_mode = WAL');
  sqlite.close();
  return Date.now() - started;
}
