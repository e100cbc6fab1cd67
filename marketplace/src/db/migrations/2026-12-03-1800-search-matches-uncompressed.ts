import { type Kysely, sql } from "kysely";

// PostgreSQL no longer tries to compress a run's matched instance IDs. They
// are random UUIDs: its default compression (pglz) works through the whole
// array, saves less than the quarter it asks for and stores it as it was
// anyway. At 250 matches that futile attempt doubled the time of the
// statement that stores a search's end, which the searching party waits for.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table search_run alter column matched_instance_ids set storage external`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table search_run alter column matched_instance_ids set storage extended`.execute(
    db,
  );
}
