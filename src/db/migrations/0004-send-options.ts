import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // Scheduling (send_at; expire_at exists) and what the body costs: GSM or UNICODE, and parts per recipient.
  await db.schema.alterTable('messages').addColumn('send_at', 'varchar(32)').execute();
  await db.schema.alterTable('messages').addColumn('encoding', 'varchar(16)').execute();
  await db.schema.alterTable('messages').addColumn('parts', 'integer').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['parts', 'encoding', 'send_at']) {
    await db.schema.alterTable('messages').dropColumn(column).execute();
  }
}
