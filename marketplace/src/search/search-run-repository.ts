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
import { isUuid } from "../catalog/validation.js";
import type { Database, SearchRunTable } from "../db/schema.js";

/** A stored search run row. */
export type SearchRunRow = Selectable<SearchRunTable>;

/** The counts of a run, as plain numbers. */
export interface RunCounts {
  asked: number;
  matched: number;
  notMatched: number;
  offline: number;
  timedOut: number;
  skippedUnclaimed: number;
}

/** What storing a run's start found in the catalog. */
export type RunStartOutcome =
  | {
      readonly outcome: "started";
      /** Claimed instances the query could not go to (not connected), as stored. */
      readonly offline: number;
      /** Registered instances nobody has claimed, as stored. */
      readonly unclaimed: number;
    }
  /** No such data request, or another organisation's: nothing was stored. */
  | { readonly outcome: "not_found" }
  /** The organisation's request is a draft or archived: nothing was stored. */
  | { readonly outcome: "not_published" };

/**
 * Stores a search run as running, in one statement that also checks, where
 * it writes, that the data request is still the organisation's and
 * published, and counts the instances: claimed ones the query did not go to
 * (`asked` is how many it went to) are offline, unclaimed ones are skipped.
 * The rest of the counts start at zero.
 *
 * Its commit doesn't wait for the write-ahead log to reach the disk
 * (`synchronous_commit` off for its transaction only): a crash of the
 * database server may forget a run that was still running, never a finished
 * one, as `finishSearchRun` commits durably before the summary goes out.
 */
export async function startSearchRun(
  db: Kysely<Database>,
  run: {
    id: string;
    dataRequestId: string;
    organisationId: string;
    requestedBy: string;
    startedAt: Date;
    deadline: Date;
    asked: number;
  },
): Promise<RunStartOutcome> {
  if (!isUuid(run.dataRequestId)) return { outcome: "not_found" };
  const { rows } = await sql<{
    organisation_id: string;
    status: string;
    offline: number;
    unclaimed: number;
  }>`
    with request as (
      select organisation_id, status from data_request where id = ${run.dataRequestId}
    ),
    no_flush_wait as (select set_config('synchronous_commit', 'off', true)),
    instances as (
      select greatest(0, count(claimed_by) - ${run.asked}) as offline,
        count(*) - count(claimed_by) as unclaimed
      from aiida_instance
    ),
    stored as (
      insert into search_run (id, data_request_id, organisation_id, requested_by, state,
        started_at, deadline, asked, offline, skipped_unclaimed)
      select ${run.id}, ${run.dataRequestId}, request.organisation_id, ${run.requestedBy},
        'running', ${run.startedAt}, ${run.deadline}, ${run.asked},
        instances.offline, instances.unclaimed
      from request, instances
      where request.organisation_id = ${run.organisationId} and request.status = 'published'
    )
    select request.organisation_id, request.status, instances.offline, instances.unclaimed
    from request, instances, no_flush_wait`.execute(db);
  const row = rows[0];
  if (row === undefined || row.organisation_id !== run.organisationId) {
    return { outcome: "not_found" };
  }
  if (row.status !== "published") return { outcome: "not_published" };
  return { outcome: "started", offline: row.offline, unclaimed: row.unclaimed };
}

/**
 * Stores how a run ended and the instances that matched, in arrival order,
 * in one single-row statement: a run is never marked finished without its
 * matches.
 */
export async function finishSearchRun(
  db: Kysely<Database>,
  run: {
    id: string;
    state: "completed" | "cancelled";
    finishedAt: Date;
    counts: RunCounts;
    matchedInstanceIds: readonly string[];
  },
): Promise<void> {
  const { numUpdatedRows } = await db
    .updateTable("search_run")
    .set({
      state: run.state,
      finished_at: run.finishedAt,
      ...countColumns(run.counts),
      matched_instance_ids: [...run.matchedInstanceIds],
    })
    .where("id", "=", run.id)
    .where("state", "=", "running")
    .executeTakeFirst();
  if (numUpdatedRows !== 1n) throw new Error(`search run ${run.id} is not running`);
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
export function toSearchRunMessage(row: SearchRunRow): SearchRun {
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
    matchedInstanceIds: row.matched_instance_ids,
    startedAt: timestampFromDate(row.started_at),
    finishedAt: row.finished_at === null ? undefined : timestampFromDate(row.finished_at),
    accessRequested: row.access_requested,
  });
}

/** The counts as the table's (and the log's) snake_case columns. */
export function countColumns(c: RunCounts) {
  return {
    asked: c.asked,
    matched: c.matched,
    not_matched: c.notMatched,
    offline: c.offline,
    timed_out: c.timedOut,
    skipped_unclaimed: c.skippedUnclaimed,
  };
}
