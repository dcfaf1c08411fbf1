import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // When every recipient of the message first had a final status: `message.completed` is written only
  // by the change that sets it, so a later final report cannot write a second one, even once the first
  // event and its dedupe key are gone (EVENT_RETENTION_DAYS).
  await db.schema.alterTable('messages').addColumn('completed_at', 'varchar(32)').execute();
  // Messages already complete are marked so, with the time their last recipient changed.
  await sql`
    update messages set completed_at = (
      select max(r.updated_at) from recipients r where r.message_id = messages.id
    )
    where exists (select 1 from recipients r where r.message_id = messages.id)
      and not exists (select 1 from recipients r where r.message_id = messages.id and r.status_rank < 4)
  `.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('completed_at').execute();
}
