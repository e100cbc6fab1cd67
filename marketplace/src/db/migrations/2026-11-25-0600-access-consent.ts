import { type Kysely, sql } from "kysely";

// Access and consent: permissions with their instances and audit trail, the
// notification inbox, the outbox of commands for AIIDA instances, and the
// Marketplace's grant-signing keys.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("permission")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("state", "text", (c) =>
      c
        .notNull()
        .check(
          sql`state in ('requested', 'approved', 'rejected', 'expired', 'configuring', 'active', 'revoked', 'terminated', 'fulfilled', 'failed')`,
        ),
    )
    .addColumn("customer_subject", "text", (c) => c.notNull())
    .addColumn("organisation_id", "text", (c) => c.notNull())
    .addColumn("organisation_name", "text", (c) => c.notNull())
    .addColumn("data_request_id", "text", (c) => c.notNull())
    .addColumn("data_request", "jsonb", (c) => c.notNull())
    .addColumn("search_run_id", "text", (c) => c.notNull())
    .addColumn("requested_at", "timestamptz", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("start_at", "timestamptz")
    .addColumn("end_at", "timestamptz")
    .addColumn("reason", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .addUniqueConstraint("permission_request_customer_uq", ["data_request_id", "customer_subject"])
    .execute();
  await db.schema
    .createIndex("permission_customer_idx")
    .on("permission")
    .columns(["customer_subject", "updated_at", "id"])
    .execute();
  await db.schema
    .createIndex("permission_organisation_idx")
    .on("permission")
    .columns(["organisation_id", "updated_at", "id"])
    .execute();
  await db.schema
    .createIndex("permission_state_idx")
    .on("permission")
    .columns(["state", "expires_at"])
    .execute();

  await db.schema
    .createTable("permission_instance")
    .addColumn("permission_id", "text", (c) =>
      c.notNull().references("permission.id").onDelete("cascade"),
    )
    .addColumn("instance_id", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) =>
      c.notNull().check(sql`state in ('pending', 'delivering', 'failed', 'stopped')`),
    )
    .addColumn("detail", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("grant", "text")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("permission_instance_pk", ["permission_id", "instance_id"])
    .execute();
  await db.schema
    .createIndex("permission_instance_instance_idx")
    .on("permission_instance")
    .column("instance_id")
    .execute();

  await db.schema
    .createTable("permission_event")
    .addColumn("permission_id", "text", (c) =>
      c.notNull().references("permission.id").onDelete("cascade"),
    )
    .addColumn("sequence", "integer", (c) => c.notNull())
    .addColumn("from_state", "text")
    .addColumn("to_state", "text", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("permission_event_pk", ["permission_id", "sequence"])
    .execute();

  await db.schema
    .createTable("notification")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("recipient", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("permission_id", "text")
    .addColumn("instance_id", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("read_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("notification_recipient_idx")
    .on("notification")
    .columns(["recipient", "id"])
    .execute();

  await db.schema
    .createTable("outbox")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("topic", "text", (c) => c.notNull())
    .addColumn("target", "text", (c) => c.notNull())
    .addColumn("payload", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_attempt_at", "timestamptz")
    .addColumn("done_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("outbox_pending_idx")
    .on("outbox")
    .columns(["target", "id"])
    .where(sql.ref("done_at"), "is", null)
    .execute();

  await db.schema
    .createTable("signing_key")
    .addColumn("kid", "text", (c) => c.primaryKey())
    .addColumn("private_jwk", "text", (c) => c.notNull())
    .addColumn("public_jwk", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("retired_at", "timestamptz")
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    "signing_key",
    "outbox",
    "notification",
    "permission_event",
    "permission_instance",
    "permission",
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
