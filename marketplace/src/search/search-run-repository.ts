import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type SearchCounts,
  SearchCountsSchema,
  type SearchRun,
  SearchRunSchema,
  SearchRunState,
} from "@eddie-marketplace/gen";
import { type Kysely, type Selectable, sql } from "kysely";
import type { Database, SearchMatchTable, SearchRunTable } from "../db/schema.js";

/** A stored search run row. */
export type SearchRunRow = Selectable<SearchRunTable>;

type SearchMatchRow = Selectable<SearchMatchTable>;

/** The counts of a run, as plain numbers. */
export interface RunCounts {
  asked: number;
  matched: number;
  notMatched: number;
  offline: number;
  timedOut: number;
  skippedUnclaimed: number;
}

/**
 * Stores a new running search. The claimed instances that were not asked
 * (offline) and the unclaimed ones (skipped) are counted in the same
 * statement, and returned.
 */
export async function insertSearchRun(
  db: Kysely<Database>,
  run: {
    id: string;
    dataRequestId: string;
    organisationId: string;
    requestedBy: string;
    startedAt: Date;
    deadline: Date;
    /** The counts so far; offline and skipped are counted here. */
    counts: Pick<RunCounts, "asked" | "matched" | "notMatched" | "timedOut">;
  },
): Promise<Pick<RunCounts, "offline" | "skippedUnclaimed">> {
  const c = run.counts;
  const { rows } = await sql<{ offline: number; skipped_unclaimed: number }>`
    insert into search_run (id, data_request_id, organisation_id, requested_by, state,
      started_at, deadline, asked, matched, not_matched, timed_out, offline, skipped_unclaimed)
    select ${run.id}, ${run.dataRequestId}, ${run.organisationId}, ${run.requestedBy}, 'running',
      ${run.startedAt}, ${run.deadline}, ${c.asked}, ${c.matched}, ${c.notMatched}, ${c.timedOut},
      greatest(0, count(claimed_by) - ${c.asked}), count(*) - count(claimed_by)
    from aiida_instance
    returning offline, skipped_unclaimed`.execute(db);
  const row = rows[0];
  if (row === undefined) throw new Error("the search run was not stored");
  return { offline: row.offline, skippedUnclaimed: row.skipped_unclaimed };
}

/**
 * Stores matches of a running search. Written in batches while the search
 * waits for answers, so that little is left to write when it ends. One
 * statement per batch whatever its size (arrays through `unnest`). Plain
 * inserts: each match is written once (the fan-out reports an instance's
 * answer once), so a second row for one instance is a bug and fails the
 * statement; checking for it row by row made the write a third slower.
 */
export async function insertSearchMatches(
  db: Kysely<Database>,
  searchRunId: string,
  matches: readonly { instanceId: string; latencyMs: number }[],
): Promise<void> {
  if (matches.length === 0) return;
  const ids = matches.map((m) => m.instanceId);
  const latencies = matches.map((m) => Math.round(m.latencyMs));
  await db
    .insertInto("search_match")
    .columns(["search_run_id", "instance_id", "latency_ms"])
    .expression(
      sql<SearchMatchRow>`select ${searchRunId}, m.instance_id, m.latency_ms
        from unnest(${ids}::text[], ${latencies}::integer[]) as m(instance_id, latency_ms)`,
    )
    .execute();
}

/**
 * Stores how a run ended, with the matches not stored yet, in one statement:
 * a run is never marked finished without its matches.
 */
export async function finishSearchRun(
  db: Kysely<Database>,
  run: {
    id: string;
    state: "completed" | "cancelled";
    finishedAt: Date;
    counts: RunCounts;
    matches: readonly { instanceId: string; latencyMs: number }[];
  },
): Promise<void> {
  const ids = run.matches.map((m) => m.instanceId);
  const latencies = run.matches.map((m) => Math.round(m.latencyMs));
  await db
    .with("stored", (qb) =>
      qb
        .insertInto("search_match")
        .columns(["search_run_id", "instance_id", "latency_ms"])
        .expression(
          sql<SearchMatchRow>`select ${run.id}, m.instance_id, m.latency_ms
            from unnest(${ids}::text[], ${latencies}::integer[]) as m(instance_id, latency_ms)`,
        ),
    )
    .updateTable("search_run")
    .set({ state: run.state, finished_at: run.finishedAt, ...countColumns(run.counts) })
    .where("id", "=", run.id)
    .execute();
}

/** One run of `organisationId`, or undefined (also for other organisations' runs). */
export async function findSearchRun(
  db: Kysely<Database>,
  organisationId: string,
  id: string,
): Promise<SearchRunRow | undefined> {
  return db
    .selectFrom("search_run")
    .selectAll()
    .where("id", "=", id)
    .where("organisation_id", "=", organisationId)
    .executeTakeFirst();
}

/** The instance IDs that matched in a run, in the order their answers arrived. */
export async function matchedInstanceIds(
  db: Kysely<Database>,
  searchRunId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom("search_match")
    .select("instance_id")
    .where("search_run_id", "=", searchRunId)
    .orderBy("latency_ms")
    .orderBy("instance_id")
    .execute();
  return rows.map((r) => r.instance_id);
}

/** A page of an organisation's runs, newest first, after the keyset `after`. */
export async function listSearchRuns(
  db: Kysely<Database>,
  query: {
    organisationId: string;
    dataRequestId?: string | undefined;
    limit: number;
    after?: { startedAt: Date; id: string } | undefined;
  },
): Promise<SearchRunRow[]> {
  let q = db
    .selectFrom("search_run")
    .selectAll()
    .where("organisation_id", "=", query.organisationId);
  if (query.dataRequestId) q = q.where("data_request_id", "=", query.dataRequestId);
  const after = query.after;
  if (after !== undefined) {
    q = q.where((eb) =>
      eb.or([
        eb("started_at", "<", after.startedAt),
        eb.and([eb("started_at", "=", after.startedAt), eb("id", "<", after.id)]),
      ]),
    );
  }
  return q.orderBy("started_at", "desc").orderBy("id", "desc").limit(query.limit).execute();
}

/** The counts of a row as the contract's message. */
export function countsMessage(c: RunCounts): SearchCounts {
  return create(SearchCountsSchema, c);
}

/** The contract's view of a stored run. */
export function toSearchRunMessage(row: SearchRunRow, matched: readonly string[]): SearchRun {
  return create(SearchRunSchema, {
    id: row.id,
    dataRequestId: row.data_request_id,
    state:
      row.state === "running"
        ? SearchRunState.RUNNING
        : row.state === "completed"
          ? SearchRunState.COMPLETED
          : SearchRunState.CANCELLED,
    counts: countsMessage({
      asked: row.asked,
      matched: row.matched,
      notMatched: row.not_matched,
      offline: row.offline,
      timedOut: row.timed_out,
      skippedUnclaimed: row.skipped_unclaimed,
    }),
    matchedInstanceIds: [...matched],
    startedAt: timestampFromDate(row.started_at),
    finishedAt: row.finished_at === null ? undefined : timestampFromDate(row.finished_at),
    accessRequested: row.access_requested,
  });
}

function countColumns(c: RunCounts) {
  return {
    asked: c.asked,
    matched: c.matched,
    not_matched: c.notMatched,
    offline: c.offline,
    timed_out: c.timedOut,
    skipped_unclaimed: c.skippedUnclaimed,
  };
}
