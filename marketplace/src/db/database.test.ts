import { type Kysely, Migrator, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "./database.js";
import { migrateToLatest } from "./database.js";
import { migrations } from "./migrations/index.js";
import { openTestDatabase, testDatabaseKinds } from "./test-database.js";

if (!process.env.TEST_DATABASE_URL) {
  console.warn("PostgreSQL not available: storage tests run on the embedded database only");
}

describe.each(testDatabaseKinds())("database on %s", (kind) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(kind);
  });
  afterAll(() => handle.close());

  it("reports which engine it is", () => {
    expect(handle.kind).toBe(kind);
  });

  it("applies every migration once; a second run changes nothing", async () => {
    const again = await migrateToLatest(handle.db);
    expect(again.results).toEqual([]);
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'public'
    `.execute(handle.db);
    expect(tables.rows.map((r) => r.table_name)).toContain("account");
  });

  it("keeps stored runs' matches, in arrival order, when they move into the run's row", async () => {
    // biome-ignore lint/suspicious/noExplicitAny: the schema as it was before the move.
    const db = handle.db as unknown as Kysely<any>;
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    const down = await migrator.migrateTo("2026-11-25-0800-search-match-unchecked");
    expect(down.error).toBeUndefined();
    await db
      .insertInto("search_run")
      .values(
        ["run-with", "run-without"].map((id) => ({
          id,
          data_request_id: "dr",
          organisation_id: "org",
          requested_by: "ep",
          state: "completed",
          deadline: new Date(),
        })),
      )
      .execute();
    await db
      .insertInto("search_match")
      .values([
        { search_run_id: "run-with", instance_id: "late", latency_ms: 90 },
        { search_run_id: "run-with", instance_id: "early", latency_ms: 10 },
      ])
      .execute();

    await migrateToLatest(handle.db);
    const runs = await handle.db
      .selectFrom("search_run")
      .select(["id", "matched_instance_ids"])
      .where("id", "in", ["run-with", "run-without"])
      .orderBy("id")
      .execute();
    expect(runs).toEqual([
      { id: "run-with", matched_instance_ids: ["early", "late"] },
      { id: "run-without", matched_instance_ids: [] },
    ]);
    await handle.db
      .deleteFrom("search_run")
      .where("id", "in", ["run-with", "run-without"])
      .execute();
  });

  it("round-trips timestamps as Date and rolls back a failed transaction whole", async () => {
    await handle.db
      .insertInto("account")
      .values({ subject: "s-1", role: "customer", display_name: "Ada" })
      .execute();
    const row = await handle.db
      .selectFrom("account")
      .selectAll()
      .where("subject", "=", "s-1")
      .executeTakeFirstOrThrow();
    expect(row.created_at).toBeInstanceOf(Date);

    await expect(
      handle.db.transaction().execute(async (trx) => {
        await trx
          .insertInto("account")
          .values({ subject: "s-2", role: "customer", display_name: "Bo" })
          .execute();
        await trx
          .insertInto("account")
          .values({ subject: "s-1", role: "customer", display_name: "dup" })
          .execute();
      }),
    ).rejects.toThrow();
    const count = await handle.db
      .selectFrom("account")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
  });

  it("refuses a role outside the allowed set", async () => {
    await expect(
      handle.db
        .insertInto("account")
        .values({ subject: "s-3", role: "admin" as "customer", display_name: "X" })
        .execute(),
    ).rejects.toThrow(/check/i);
  });
});
