import type { Kysely } from "kysely";

// A search's matches are written by the run's recorder only after the run row
// is stored, and runs are never deleted, so the foreign key from search_match
// to search_run guarded nothing; its check per row (a locking lookup of the
// run) was most of the cost of the statement that ends a search. The primary
// key (search_run_id, instance_id) stays. Whoever deletes runs deletes their
// matches in the same transaction.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("search_match")
    .dropConstraint("search_match_search_run_id_fkey")
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("search_match")
    .addForeignKeyConstraint(
      "search_match_search_run_id_fkey",
      ["search_run_id"],
      "search_run",
      ["id"],
      (c) => c.onDelete("cascade"),
    )
    .execute();
}
