import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type DataRequest,
  type SearchInstancesResponse,
  SearchInstancesResponseSchema,
  type SearchMatch,
} from "@eddie-marketplace/gen";
import type { Logger } from "@eddie-marketplace/sdk/log";
import type { Kysely } from "kysely";
import { NotFoundError, PreconditionError } from "../api/errors.js";
import type { Database } from "../db/schema.js";
import { deriveQuery } from "./query-derivation.js";
import { type RecordedMatch, RunRecorder } from "./run-recorder.js";
import type { SearchFanout } from "./search-fanout.js";
import { countsMessage, type RunCounts, toSearchRunMessage } from "./search-run-repository.js";

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

/** The most matches in one `matches` event (about 60 bytes each on the wire). */
const matchesPerEvent = 1_000;

/**
 * The least time between two `matches` events: the first match goes out at
 * once, later ones gather, so thousands of answers make a few events.
 */
const matchesEveryMs = 50;

/** The least time between two progress events. */
const progressEveryMs = 250;

/**
 * Searches the claimed AIIDA instances for data matching one of the caller's
 * published data requests. Yields `started`, then the matches in batches as
 * their answers arrive and occasional `progress`, and last the `summary`.
 * The run and its matches are stored; when the caller stops iterating or
 * `signal` aborts, the search stops and what was found until then is stored
 * as cancelled.
 *
 * @example
 * for await (const event of searchInstances(deps, input, ctx.signal)) yield event;
 */
export async function* searchInstances(
  deps: SearchDeps,
  input: SearchInput,
  signal: AbortSignal,
): AsyncGenerator<SearchInstancesResponse> {
  const stored = await deps.findDataRequest(deps.db, input.dataRequestId);
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
  // The query's own ID, not the run's: instances never learn run IDs.
  const query = deriveQuery(request, { queryId: randomUUID(), now: startedAt, deadline });
  const recorder = new RunRecorder(deps.db, randomUUID());

  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener("abort", onAbort, { once: true });

  const counts: RunCounts = {
    asked: 0,
    matched: 0,
    notMatched: 0,
    offline: 0,
    timedOut: 0,
    skippedUnclaimed: 0,
  };
  // The recorder holds every match; the first `sent` of them went out.
  let sent = 0;
  const unsent = () => recorder.matches.length - sent;
  let changed = false;
  let fanoutEnded = false;
  const pacer = new Pacer();
  const countsChanged = () => {
    if (changed) return;
    changed = true;
    pacer.poke();
  };

  const run = deps.fanout.start(
    query,
    deadline.getTime(),
    {
      answer(instanceId, match, latencyMs) {
        if (match) {
          counts.matched++;
          recorder.add({ instanceId, latencyMs });
          if (unsent() === 1) pacer.poke();
        } else counts.notMatched++;
        countsChanged();
      },
      lost() {
        counts.timedOut++;
        countsChanged();
      },
    },
    stop.signal,
  );

  counts.asked = run.asked;
  // Stored once the query is out, so storing doesn't hold it up.
  const inserted = recorder
    .begin({
      dataRequestId: request.id,
      organisationId: input.organisationId,
      requestedBy: input.subject,
      startedAt,
      deadline,
      counts: { ...counts },
    })
    .then((counted) => {
      counts.offline = counted.offline;
      counts.skippedUnclaimed = counted.skippedUnclaimed;
    });

  // The run is stored as finished when the fan-out ends, whether or not the
  // caller is still reading: a cancelled caller may never resume this generator.
  const completion = (async () => {
    const end = await run.done;
    fanoutEnded = true;
    pacer.poke();
    signal.removeEventListener("abort", onAbort);
    counts.timedOut = counts.asked - counts.matched - counts.notMatched;
    const finishedAt = new Date();
    await inserted;
    await recorder.finish(end === "cancelled" ? "cancelled" : "completed", finishedAt, counts);
    return { end, finishedAt };
  })();
  completion.catch((err) =>
    deps.log.error("cannot store a search run", { err, search_run_id: recorder.runId }),
  );

  try {
    await inserted;
    yield create(SearchInstancesResponseSchema, {
      event: {
        case: "started",
        value: {
          searchRunId: recorder.runId,
          counts: countsMessage(counts),
          deadline: timestampFromDate(deadline),
        },
      },
    });
    let lastMatches = 0;
    let lastProgress = Date.now();
    for (;;) {
      const now = Date.now();
      if (fanoutEnded || (unsent() > 0 && now - lastMatches >= matchesEveryMs)) {
        lastMatches = now;
        // Once the fan-out ended, the last matches go out while the run is stored.
        while (unsent() > 0) {
          const batch = recorder.matches.slice(sent, sent + matchesPerEvent);
          sent += batch.length;
          yield matchesEvent(batch);
        }
        if (fanoutEnded) break;
        continue;
      }
      if (changed && now - lastProgress >= progressEveryMs) {
        changed = false;
        lastProgress = now;
        yield create(SearchInstancesResponseSchema, {
          event: { case: "progress", value: countsMessage(counts) },
        });
        continue;
      }
      await pacer.wait(
        Math.min(
          unsent() > 0 ? lastMatches + matchesEveryMs : Number.POSITIVE_INFINITY,
          changed ? lastProgress + progressEveryMs : Number.POSITIVE_INFINITY,
        ),
      );
    }
    const { end, finishedAt } = await completion;
    const row = {
      id: recorder.runId,
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
          recorder.matches.map((m) => m.instanceId),
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
 * Wakes the search's event loop: at a due time, or at once when poked (a
 * first unsent match, changed counts, the end). A poke while the loop is not
 * waiting is dropped; the loop looks at the state before it waits again.
 */
class Pacer {
  private resolve: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** Resolves at `dueAt` (ms since epoch; Infinity for never) or on the next poke. */
  wait(dueAt: number): Promise<void> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      if (dueAt !== Number.POSITIVE_INFINITY) {
        this.timer = setTimeout(() => this.poke(), Math.max(0, dueAt - Date.now()));
      }
    });
  }

  poke(): void {
    const resolve = this.resolve;
    if (resolve === undefined) return;
    this.resolve = undefined;
    clearTimeout(this.timer);
    resolve();
  }
}

/**
 * A batch of matches, built as message literals without the generic `create`
 * walk: one message per matching instance.
 */
function matchesEvent(matches: readonly RecordedMatch[]): SearchInstancesResponse {
  return {
    $typeName: "eddie.marketplace.v1.SearchInstancesResponse",
    event: {
      case: "matches",
      value: { $typeName: "eddie.marketplace.v1.SearchMatches", matches: matches.map(searchMatch) },
    },
  };
}

function searchMatch({ instanceId, latencyMs }: RecordedMatch): SearchMatch {
  const ms = Math.max(0, Math.round(latencyMs));
  return {
    $typeName: "eddie.marketplace.v1.SearchMatch",
    instanceId,
    latency: {
      $typeName: "google.protobuf.Duration",
      seconds: BigInt(Math.floor(ms / 1000)),
      nanos: (ms % 1000) * 1_000_000,
    },
  };
}
