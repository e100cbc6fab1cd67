import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("aiida_instance")
    .addColumn("instance_id", "text", (c) => c.primaryKey())
    .addColumn("public_key_jwk", "text", (c) => c.notNull())
    .addColumn("key_thumbprint", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("advertised_address", "text", (c) => c.notNull())
    .addColumn("peer_address", "text", (c) => c.notNull())
    .addColumn("online", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("first_seen", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("last_seen", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("capabilities", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("claimed_by", "text")
    .addColumn("claimed_at", "timestamptz")
    .addCheckConstraint(
      "aiida_instance_claim_check",
      sql`(claimed_by is null) = (claimed_at is null)`,
    )
    .execute();
  await db.schema
    .createIndex("aiida_instance_claimed_by_idx")
    .on("aiida_instance")
    .columns(["claimed_by", "claimed_at"])
    .execute();

  await db.schema
    .createTable("instance_pairing")
    .addColumn("instance_id", "text", (c) =>
      c.primaryKey().references("aiida_instance.instance_id").onDelete("cascade"),
    )
    .addColumn("code_hash", "text")
    .addColumn("expires_at", "timestamptz")
    .addColumn("failed_attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("locked_until", "timestamptz")
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("instance_pairing").execute();
  await db.schema.dropTable("aiida_instance").execute();
}
