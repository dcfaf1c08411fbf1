import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // Why a callback kept as `invalid` could not be applied, when the database itself refused a value in
  // it (a number out of range, a body too deep to write out): the raw payload is kept beside it.
  await db.schema.alterTable('callbacks').addColumn('problem', 'varchar(500)').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('callbacks').dropColumn('problem').execute();
}
