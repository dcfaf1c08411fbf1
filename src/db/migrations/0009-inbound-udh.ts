import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // The user data header of an inbound mo_binary (hex): without it a binary part cannot be reassembled
  // or read. 140 bytes at most in one SMS, so 280 hex characters.
  await db.schema.alterTable('inbound_messages').addColumn('udh', 'varchar(280)').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('inbound_messages').dropColumn('udh').execute();
}
