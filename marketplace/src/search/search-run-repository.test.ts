import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  archiveDataRequest,
  type CatalogContext,
  createDataRequest,
  publishDataRequest,
} from "../catalog/lifecycle.js";
import { dataRequestInput } from "../catalog/testing.js";
import type { DatabaseHandle } from "../db/database.js";
import { openTestDatabase, testDatabaseKinds } from "../db/test-database.js";
import {
  findSearchRun,
  finishSearchRun,
  startSearchRun,
  toSearchRunMessage,
} from "./search-run-repository.js";

const acme = { organisation: { id: "org-acme", name: "Acme Energy" } };
const other = { organisation: { id: "org-other", name: "Other Energy" } };

const counts = {
  asked: 3,
  matched: 2,
  notMatched: 1,
  offline: 1,
  timedOut: 0,
  skippedUnclaimed: 1,
};

describe.each(testDatabaseKinds())("search runs (%s)", (kind) => {
  let database: DatabaseHandle;
  let ctx: CatalogContext;
  let published: string;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
    ctx = { db: database.db, now: () => new Date() };
    published = (await createDataRequest(ctx, acme, dataRequestInput())).id;
    await publishDataRequest(ctx, acme, published);
    // Two claimed instances and one nobody claimed.
    const instance = (claimedBy: string | null) => ({
      instance_id: randomUUID(),
      public_key_jwk: "{}",
      key_thumbprint: randomUUID(),
      version: "1",
      advertised_address: "",
      peer_address: "127.0.0.1",
      claimed_by: claimedBy,
      claimed_at: claimedBy === null ? null : new Date(),
    });
    await database.db
      .insertInto("aiida_instance")
      .values([instance("alice"), instance("bob"), instance(null)])
      .execute();
  });
  afterAll(async () => {
    await database?.close();
  });

  const start = (dataRequestId: string, organisationId = acme.organisation.id, asked = 1) => {
    const id = randomUUID();
    const startedAt = new Date();
    return {
      id,
      outcome: startSearchRun(database.db, {
        id,
        dataRequestId,
        organisationId,
        requestedBy: "ep-user",
        startedAt,
        deadline: new Date(startedAt.getTime() + 10_000),
        asked,
      }),
    };
  };

  it("stores a running run for the organisation's published request and counts the instances", async () => {
    const { id, outcome } = start(published);
    expect(await outcome).toEqual({ outcome: "started", offline: 1, unclaimed: 1 });

    const row = await findSearchRun(database.db, acme.organisation.id, id);
    expect(row).toMatchObject({
      state: "running",
      data_request_id: published,
      requested_by: "ep-user",
      asked: 1,
      offline: 1,
      skipped_unclaimed: 1,
      finished_at: null,
      matched_instance_ids: [],
    });
  });

  it("stores nothing for another organisation's request, a draft, an archived or unknown one", async () => {
    const draft = (await createDataRequest(ctx, acme, dataRequestInput())).id;
    const archived = (await createDataRequest(ctx, acme, dataRequestInput())).id;
    await publishDataRequest(ctx, acme, archived);
    await archiveDataRequest(ctx, acme, archived);
    const cases = [
      [start(published, other.organisation.id), "not_found"],
      [start(randomUUID()), "not_found"],
      [start("not-a-uuid"), "not_found"],
      [start(draft), "not_published"],
      [start(archived), "not_published"],
    ] as const;
    for (const [{ id, outcome }, expected] of cases) {
      expect(await outcome).toEqual({ outcome: expected });
      const stored = await database.db
        .selectFrom("search_run")
        .select("id")
        .where("id", "=", id)
        .execute();
      expect(stored).toEqual([]);
    }
  });

  it("stores the end with its matches in arrival order, once", async () => {
    const { id, outcome } = start(published, acme.organisation.id, 3);
    await outcome;
    const finishedAt = new Date();
    const matchedInstanceIds = ["instance-b", "instance-a"];
    await finishSearchRun(database.db, {
      id,
      state: "completed",
      finishedAt,
      counts,
      matchedInstanceIds,
    });
    const row = await findSearchRun(database.db, acme.organisation.id, id);
    expect(row).toMatchObject({
      state: "completed",
      asked: 3,
      matched: 2,
      not_matched: 1,
      matched_instance_ids: matchedInstanceIds,
    });
    expect(row?.finished_at?.getTime()).toBe(finishedAt.getTime());
    expect(toSearchRunMessage(row!).matchedInstanceIds).toEqual(matchedInstanceIds);

    // A run ends once: a second end is refused and changes nothing.
    await expect(
      finishSearchRun(database.db, {
        id,
        state: "cancelled",
        finishedAt: new Date(),
        counts,
        matchedInstanceIds: [],
      }),
    ).rejects.toThrow(/not running/);
    expect(await findSearchRun(database.db, acme.organisation.id, id)).toMatchObject({
      state: "completed",
      matched_instance_ids: matchedInstanceIds,
    });
  });

  it("stores thousands of matches in one statement", async () => {
    const { id, outcome } = start(published, acme.organisation.id, 5_000);
    await outcome;
    const matchedInstanceIds = Array.from({ length: 5_000 }, () => randomUUID());
    await finishSearchRun(database.db, {
      id,
      state: "cancelled",
      finishedAt: new Date(),
      counts: { ...counts, asked: 5_000, matched: 5_000, notMatched: 0 },
      matchedInstanceIds,
    });
    const row = await findSearchRun(database.db, acme.organisation.id, id);
    expect(row?.state).toBe("cancelled");
    expect(row?.matched_instance_ids).toEqual(matchedInstanceIds);
    // Stored without an attempt to compress it: random UUIDs don't compress,
    // and the attempt alone made storing a search's end twice as slow.
    const { rows } = await sql<{ storage: string }>`
      select attstorage as storage from pg_attribute
      where attrelid = 'search_run'::regclass and attname = 'matched_instance_ids'`.execute(
      database.db,
    );
    expect(rows).toEqual([{ storage: "e" }]);
  });

  it("shows a run only to its organisation", async () => {
    const { id, outcome } = start(published);
    await outcome;
    expect(await findSearchRun(database.db, other.organisation.id, id)).toBeUndefined();
  });
});
