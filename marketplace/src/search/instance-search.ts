import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type DataRequest,
  type SearchInstancesResponse,
  SearchInstancesResponseSchema,
} from "@eddie-marketplace/gen";
import type { Kysely } from "kysely";
import { NotFoundError, PreconditionError } from "../api/errors.js";
import type { Database } from "../db/schema.js";
import { countInstancesByClaim } from "../instances/instance-repository.js";
import type { Logger } from "../log.js";
import { deriveQuery } from "./query-derivation.js";
import type { FanoutEnd, SearchFanout } from "./search-fanout.js";
import {
  countsMessage,
  finishSearchRun,
  insertSearchMatches,
  insertSearchRun,
  type RunCounts,
  toSearchRunMessage,
} from "./search-run-repository.js";

/** A data request as the catalog stores it. */
export interface SearchableDataRequest {
  /** The owning organisation's ID. */
  readonly organisationId: string;
  /** The stored status: only "published" requests are searched for. */
  readonly status: string;
  readonly dataRequest: DataRequest;
}

/** Looks up a data request by ID in any status (the catalog's `findDataRequest`). */
export type FindDataRequest = (
  db: Kysely<Database>,
  id: string,
) => Promise<SearchableDataRequest | undefined>;

/** What a search needs. */
export interface SearchDeps {
  readonly db: Kysely<Database>;
  readonly fanout: SearchFanout;
  readonly findDataRequest: FindDataRequest;
  readonly log: Logger;
}

/** Who searches, and for what. */
export interface SearchInput {
  readonly subject: string;
  readonly organisationId: string;
  readonly dataRequestId: string;
  /** How long to wait for answers. */
  readonly timeoutMs: number;
}

/** Matches stored in one statement while a search runs. */
const matchBatch = 1_000;

/** The least time between two progress events. */
const progressEveryMs = 250;

/**
 * Searches the claimed AIIDA instances for data matching one of the caller's
 * published data requests. Yields `started`, then each match as its answer
 * arrives and occasional `progress`, and last the `summary`. The run and its
 * matches are stored; when the caller stops iterating or `signal` aborts, the
 * search stops and what was found until then is stored as cancelled.
 *
 * @example
 * for await (const event of searchInstances(deps, input, ctx.signal)) yield event;
 */
export async function* searchInstances(
  deps: SearchDeps,
  input: SearchInput,
  signal: AbortSignal,
): AsyncGenerator<SearchInstancesResponse> {
  const [stored, registered] = await Promise.all([
    deps.findDataRequest(deps.db, input.dataRequestId),
    countInstancesByClaim(deps.db),
  ]);
  if (stored === undefined || stored.organisationId !== input.organisationId) {
    throw new NotFoundError("data request", input.dataRequestId);
  }
  const request = stored.dataRequest;
  if (stored.status !== "published") {
    throw new PreconditionError(
      "only a published data request can be searched for; publish it first",
    );
  }
  const startedAt = new Date();
  const deadline = new Date(startedAt.getTime() + input.timeoutMs);
  const runId = randomUUID();
  // The query's own ID, not the run's: instances never learn run IDs.
  const query = deriveQuery(request, { queryId: randomUUID(), now: startedAt, deadline });

  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener("abort", onAbort, { once: true });

  const counts: RunCounts = {
    asked: 0,
    matched: 0,
    notMatched: 0,
    offline: 0,
    timedOut: 0,
    skippedUnclaimed: registered.unclaimed,
  };
  const matches: { instanceId: string; latencyMs: number }[] = [];
  const pendingEvents: SearchInstancesResponse[] = [];
  let changed = false;
  let wake: (() => void) | undefined;
  let waking = false;
  // Answers arrive one socket read at a time; waking the caller's stream once
  // per event-loop turn sends them in batches instead of one by one.
  const wakeNow = () => {
    waking = false;
    const w = wake;
    wake = undefined;
    w?.();
  };
  const notify = () => {
    changed = true;
    if (waking || wake === undefined) return;
    waking = true;
    setImmediate(wakeNow);
  };

  const run = deps.fanout.start(
    query,
    deadline.getTime(),
    {
      answer(instanceId, match, latencyMs) {
        if (match) {
          counts.matched++;
          matches.push({ instanceId, latencyMs });
          if (matches.length - storedMatches === matchBatch) {
            flushMatches().catch(() => {});
          }
          pendingEvents.push(matchEvent(instanceId, latencyMs));
        } else counts.notMatched++;
        notify();
      },
      lost() {
        counts.timedOut++;
        notify();
      },
    },
    stop.signal,
  );
  counts.asked = run.asked;
  counts.offline = Math.max(0, registered.claimed - run.asked);

  const inserted = insertSearchRun(deps.db, {
    id: runId,
    dataRequestId: request.id,
    organisationId: input.organisationId,
    requestedBy: input.subject,
    startedAt,
    deadline,
    counts: { ...counts },
  });
  // Matches are stored in batches while answers still arrive.
  let storedMatches = 0;
  let flushing: Promise<void> = Promise.resolve();
  const flushMatches = (): Promise<void> => {
    flushing = flushing.then(async () => {
      await inserted;
      while (matches.length - storedMatches >= matchBatch) {
        const batch = matches.slice(storedMatches, storedMatches + 5_000);
        await insertSearchMatches(deps.db, runId, batch);
        storedMatches += batch.length;
      }
    });
    return flushing;
  };

  // The run is stored as finished when the fan-out ends, whether or not the
  // caller is still reading: a cancelled caller may never resume this generator.
  let outcome: { end: FanoutEnd; finishedAt: Date } | undefined;
  const completion = (async () => {
    const end = await run.done;
    signal.removeEventListener("abort", onAbort);
    counts.timedOut = counts.asked - counts.matched - counts.notMatched;
    const finishedAt = new Date();
    await inserted;
    await flushing;
    await finishSearchRun(deps.db, {
      id: runId,
      state: end === "cancelled" ? "cancelled" : "completed",
      finishedAt,
      counts,
      matches: matches.slice(storedMatches),
    });
    outcome = { end, finishedAt };
    notify();
    return outcome;
  })();
  completion.catch((err) =>
    deps.log.error("cannot store a search run", { err, search_run_id: runId }),
  );

  try {
    await inserted;
    yield create(SearchInstancesResponseSchema, {
      event: {
        case: "started",
        value: {
          searchRunId: runId,
          counts: countsMessage(counts),
          deadline: timestampFromDate(deadline),
        },
      },
    });
    let lastProgress = Date.now();
    for (;;) {
      if (pendingEvents.length > 0) yield* pendingEvents.splice(0);
      if (outcome !== undefined && pendingEvents.length === 0) break;
      if (changed && Date.now() - lastProgress >= progressEveryMs) {
        changed = false;
        lastProgress = Date.now();
        yield create(SearchInstancesResponseSchema, {
          event: { case: "progress", value: countsMessage(counts) },
        });
        continue;
      }
      if (pendingEvents.length > 0 || outcome !== undefined) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (changed) setTimeout(notify, progressEveryMs - (Date.now() - lastProgress)).unref();
      });
    }
    const { end, finishedAt } = await completion;
    const row = {
      id: runId,
      data_request_id: request.id,
      organisation_id: input.organisationId,
      requested_by: input.subject,
      state: end === "cancelled" ? ("cancelled" as const) : ("completed" as const),
      asked: counts.asked,
      matched: counts.matched,
      not_matched: counts.notMatched,
      offline: counts.offline,
      timed_out: counts.timedOut,
      skipped_unclaimed: counts.skippedUnclaimed,
      started_at: startedAt,
      deadline,
      finished_at: finishedAt,
      access_requested: false,
    };
    yield create(SearchInstancesResponseSchema, {
      event: {
        case: "summary",
        value: toSearchRunMessage(
          row,
          matches.map((m) => m.instanceId),
        ),
      },
    });
  } finally {
    // The caller stopped reading early (or an error): stop the fan-out; the
    // completion stores what was found as cancelled.
    stop.abort();
    await completion.catch(() => {});
  }
}

/**
 * A match event, built as a complete message literal: one per matching
 * instance, so it is built without the generic `create` walk.
 */
function matchEvent(instanceId: string, latencyMs: number): SearchInstancesResponse {
  const ms = Math.max(0, Math.round(latencyMs));
  return {
    $typeName: "eddie.marketplace.v1.SearchInstancesResponse",
    event: {
      case: "match",
      value: {
        $typeName: "eddie.marketplace.v1.SearchMatch",
        instanceId,
        latency: {
          $typeName: "google.protobuf.Duration",
          seconds: BigInt(Math.floor(ms / 1000)),
          nanos: (ms % 1000) * 1_000_000,
        },
      },
    },
  };
}
