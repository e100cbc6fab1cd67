import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("account")
    .addColumn("subject", "text", (c) => c.primaryKey())
    .addColumn("role", "text", (c) =>
      c.notNull().check(sql`role in ('customer', 'eligible_party', 'unspecified')`),
    )
    .addColumn("organisation_id", "text")
    .addColumn("organisation_name", "text")
    .addColumn("display_name", "text", (c) => c.notNull())
    .addColumn("email", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("account_organisation_idx")
    .on("account")
    .column("organisation_id")
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("account").execute();
}
