import { type Kysely, sql } from "kysely";

// A search run's matches are written once, when the run ends, and read whole
// (to ask access, to show the run). They now live in the run's own row, in
// arrival order, instead of a row each in search_match: storing a search's
// end is one single-row update, and a run can no longer exist without its
// matches or matches without their run.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("search_run")
    .addColumn("matched_instance_ids", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .execute();
  await sql`
    update search_run r set matched_instance_ids = m.ids
    from (
      select search_run_id, array_agg(instance_id order by latency_ms, instance_id) as ids
      from search_match group by search_run_id
    ) m
    where m.search_run_id = r.id`.execute(db);
  await db.schema.dropTable("search_match").execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("search_match")
    .addColumn("search_run_id", "text", (c) => c.notNull())
    .addColumn("instance_id", "text", (c) => c.notNull())
    .addColumn("latency_ms", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("search_match_pk", ["search_run_id", "instance_id"])
    .execute();
  // The latencies were not kept; the position in arrival order stands in for them.
  await sql`
    insert into search_match (search_run_id, instance_id, latency_ms)
    select r.id, m.instance_id, m.position
    from search_run r, unnest(r.matched_instance_ids) with ordinality as m(instance_id, position)`.execute(
    db,
  );
  await db.schema.alterTable("search_run").dropColumn("matched_instance_ids").execute();
}
