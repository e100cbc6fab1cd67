import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
export async function up(db: Kysely<any>): Promise<void> {
  const iam = db.schema.withSchema("iam");
  await iam
    .createTable("organisation")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index organisation_name_idx on iam.organisation (lower(name))`.execute(
    db,
  );
  await iam
    .createTable("account")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) =>
      c.notNull().check(sql`role in ('customer', 'eligible_party')`),
    )
    .addColumn("display_name", "text", (c) => c.notNull())
    .addColumn("organisation_id", "text", (c) => c.references("iam.organisation.id"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      "account_organisation_check",
      sql`(role = 'eligible_party') = (organisation_id is not null)`,
    )
    .execute();
  await iam
    .createTable("oidc_payload")
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("payload", "jsonb", (c) => c.notNull())
    .addColumn("grant_id", "text")
    .addColumn("uid", "text")
    .addColumn("user_code", "text")
    .addColumn("expires_at", "timestamptz")
    .addColumn("consumed_at", "timestamptz")
    .addColumn("seq", "bigserial", (c) => c.notNull())
    .addPrimaryKeyConstraint("oidc_payload_pk", ["model", "id"])
    .execute();
  for (const column of ["grant_id", "uid", "user_code", "expires_at"] as const) {
    await iam.createIndex(`oidc_payload_${column}_idx`).on("oidc_payload").column(column).execute();
  }
  await iam
    .createTable("secret")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("value", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
export async function down(db: Kysely<any>): Promise<void> {
  const iam = db.schema.withSchema("iam");
  for (const table of ["secret", "oidc_payload", "account", "organisation"]) {
    await iam.dropTable(table).execute();
  }
}
