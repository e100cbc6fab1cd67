import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../db/database.js";
import { openTestDatabase, testDatabaseKinds } from "../db/test-database.js";
import { RunRecorder, type RunStart } from "./run-recorder.js";

const start = (): RunStart => ({
  dataRequestId: "dr-1",
  organisationId: "org-1",
  requestedBy: "ep-1",
  startedAt: new Date(),
  deadline: new Date(Date.now() + 10_000),
  counts: { asked: 40, matched: 0, notMatched: 0, timedOut: 0 },
});

const finalCounts = {
  asked: 40,
  matched: 25,
  notMatched: 15,
  offline: 0,
  timedOut: 0,
  skippedUnclaimed: 0,
};

describe.each(testDatabaseKinds())("RunRecorder (%s)", (kind) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  const storedMatches = async (runId: string) =>
    (
      await database.db
        .selectFrom("search_match")
        .select("instance_id")
        .where("search_run_id", "=", runId)
        .orderBy("latency_ms")
        .execute()
    ).map((r) => r.instance_id);

  const until = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error("timed out waiting");
  };

  it("stores a run with few matches, all with its end", async () => {
    const recorder = new RunRecorder(database.db, randomUUID(), 10);
    await recorder.begin(start());
    for (const id of ["a", "b", "c"]) recorder.add({ instanceId: id, latencyMs: id.charCodeAt(0) });
    expect(await storedMatches(recorder.runId)).toEqual([]);

    await recorder.finish("completed", new Date(), { ...finalCounts, matched: 3 });
    expect(await storedMatches(recorder.runId)).toEqual(["a", "b", "c"]);
    const run = await database.db
      .selectFrom("search_run")
      .selectAll()
      .where("id", "=", recorder.runId)
      .executeTakeFirstOrThrow();
    expect(run).toMatchObject({ state: "completed", matched: 3, asked: 40 });
  });

  it("writes batches while the run goes on and the rest with the end, each match once", async () => {
    const recorder = new RunRecorder(database.db, randomUUID(), 10);
    await recorder.begin(start());
    const ids = Array.from({ length: 25 }, (_, i) => `instance-${String(i).padStart(2, "0")}`);
    for (const [i, id] of ids.slice(0, 22).entries())
      recorder.add({ instanceId: id, latencyMs: i });
    // Two full batches are written while the run goes on; the two left over wait.
    await until(async () => (await storedMatches(recorder.runId)).length === 20);
    for (const [i, id] of ids.slice(22).entries()) {
      recorder.add({ instanceId: id, latencyMs: 22 + i });
    }

    await recorder.finish("completed", new Date(), finalCounts);
    expect(await storedMatches(recorder.runId)).toEqual(ids);
    expect(recorder.matches.map((m) => m.instanceId)).toEqual(ids);
  });

  it("counts, when the run is stored, the claimed instances not asked and the unclaimed ones", async () => {
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
    const before = await new RunRecorder(database.db, randomUUID()).begin(start());
    await database.db
      .insertInto("aiida_instance")
      .values([instance("alice"), instance("bob"), instance(null)])
      .execute();
    const after = await new RunRecorder(database.db, randomUUID()).begin({
      ...start(),
      counts: { asked: 1, matched: 0, notMatched: 0, timedOut: 0 },
    });
    expect(after.skippedUnclaimed - before.skippedUnclaimed).toBe(1);
    // asked 40 of none claimed clamps to 0; asked 1 of 2 claimed leaves 1 offline.
    expect(before.offline).toBe(0);
    expect(after.offline).toBe(1);
  });

  it("refuses a second match for one instance and leaves the run unfinished", async () => {
    const recorder = new RunRecorder(database.db, randomUUID(), 10);
    await recorder.begin(start());
    recorder.add({ instanceId: "twice", latencyMs: 1 });
    recorder.add({ instanceId: "twice", latencyMs: 2 });
    await expect(recorder.finish("completed", new Date(), finalCounts)).rejects.toThrow();
    const run = await database.db
      .selectFrom("search_run")
      .select(["state", "finished_at"])
      .where("id", "=", recorder.runId)
      .executeTakeFirstOrThrow();
    expect(run).toEqual({ state: "running", finished_at: null });
    expect(await storedMatches(recorder.runId)).toEqual([]);
  });

  it("fails its end when the run could not be stored", async () => {
    const runId = randomUUID();
    await new RunRecorder(database.db, runId).begin(start());
    const twin = new RunRecorder(database.db, runId);
    await expect(twin.begin(start())).rejects.toThrow();
    twin.add({ instanceId: "x", latencyMs: 1 });
    await expect(twin.finish("completed", new Date(), finalCounts)).rejects.toThrow();
  });
});
