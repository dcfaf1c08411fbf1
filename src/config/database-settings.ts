import { withDefault } from './env-setting';
import { databaseUrl, oneOf } from './env-values';

/** How SQLite syncs its write-ahead log: `full` is what the service ships with (issue 13 item 1). */
export const SQLITE_SYNCHRONOUS_MODES = ['full', 'normal'] as const;

/** Where the service keeps its data and how durably, spread into the env schema. */
export const databaseSettings = {
  DATABASE_URL: withDefault('sqlite:./data/sms.sqlite', databaseUrl, {
    group: 'service',
    description:
      '`postgres://user:pass@host:5432/db` for PostgreSQL (several instances behind a load balancer); `sqlite:<path>` or a file path for SQLite (created on first start).',
  }),
  SQLITE_SYNCHRONOUS: withDefault('full', oneOf(SQLITE_SYNCHRONOUS_MODES), {
    group: 'service',
    description:
      "SQLite's durability: `full` syncs the write-ahead log at every commit (as SQLite's `synchronous = FULL`, the sync run off the event loop), so every callback answered 200 and every send accepted is on the disk when answered (a power cut loses none). `normal` syncs it at checkpoints only: faster, but a crash of the machine can lose what was answered, and Sinch never sends it again. Meant for measuring what durability costs; `normal` logs an error at start-up. Ignored on PostgreSQL.",
  }),
};
