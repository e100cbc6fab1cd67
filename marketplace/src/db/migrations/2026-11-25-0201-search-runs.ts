import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("search_run")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("data_request_id", "text", (c) => c.notNull())
    .addColumn("organisation_id", "text", (c) => c.notNull())
    .addColumn("requested_by", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) =>
      c.notNull().check(sql`state in ('running', 'completed', 'cancelled')`),
    )
    .addColumn("asked", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("matched", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("not_matched", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("offline", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("timed_out", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("skipped_unclaimed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("started_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("deadline", "timestamptz", (c) => c.notNull())
    .addColumn("finished_at", "timestamptz")
    .addColumn("access_requested", "boolean", (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema
    .createIndex("search_run_organisation_idx")
    .on("search_run")
    .columns(["organisation_id", "started_at", "id"])
    .execute();

  await db.schema
    .createTable("search_match")
    .addColumn("search_run_id", "text", (c) =>
      c.notNull().references("search_run.id").onDelete("cascade"),
    )
    .addColumn("instance_id", "text", (c) => c.notNull())
    .addColumn("latency_ms", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("search_match_pk", ["search_run_id", "instance_id"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("search_match").execute();
  await db.schema.dropTable("search_run").execute();
}
