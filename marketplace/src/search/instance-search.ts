import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { SearchInstancesResponse } from "@eddie-marketplace/gen";
import type { Logger } from "@eddie-marketplace/sdk/log";
import type { Kysely } from "kysely";
import { NotFoundError, PreconditionError } from "../api/errors.js";
import type { PublishedRequests } from "../catalog/published-requests.js";
import type { Database } from "../db/schema.js";
import { deriveQuery } from "./query-derivation.js";
import type { SearchFanout } from "./search-fanout.js";
import {
  countColumns,
  countsMessage,
  finishSearchRun,
  type RunCounts,
  startSearchRun,
  toSearchRunMessage,
} from "./search-run-repository.js";

/** What a search needs. */
export interface SearchDeps {
  readonly db: Kysely<Database>;
  readonly fanout: SearchFanout;
  /** The catalog's data requests, published ones kept in memory. */
  readonly requests: PublishedRequests;
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

/** A matching instance and how long after the start its answer came. */
interface FoundMatch {
  readonly instanceId: string;
  readonly latencyMs: number;
}

/** The most matches in one `matches` event (about 40 bytes each on the wire). */
const matchesPerEvent = 1_000;

/**
 * The least time between two `matches` events: the first match goes out at
 * once, later ones gather, so thousands of answers make a few events.
 */
const matchesEveryMs = 50;

/** The least time between two progress events. */
const progressEveryMs = 250;

/** Why a search's own signal aborts; made once, as a DOMException costs a stack trace. */
const searchOver = new Error("the search is over");

/**
 * Searches the claimed AIIDA instances for data matching one of the caller's
 * published data requests. Yields `started`, then the matches in batches as
 * their answers arrive and occasional `progress`, and last the `summary`.
 *
 * The query goes out as soon as the request is known to be the caller's and
 * published (published requests are kept in memory, so usually at once);
 * meanwhile one statement stores the run as running, checking there that the
 * request is still published, and a second one stores the run's end with its
 * matches before the summary goes out. The matches that came after the last
 * batch go out with the summary. When the caller stops iterating or `signal`
 * aborts, the search stops and what was found until then is stored as
 * cancelled.
 *
 * @example
 * for await (const event of searchInstances(deps, input, ctx.signal)) yield event;
 */
export async function* searchInstances(
  deps: SearchDeps,
  input: SearchInput,
  signal: AbortSignal,
): AsyncGenerator<SearchInstancesResponse> {
  const stored = await deps.requests.find(input.dataRequestId);
  if (stored === undefined || stored.organisationId !== input.organisationId) {
    throw new NotFoundError("data request", input.dataRequestId);
  }
  if (stored.status !== "published") throw notPublished();
  const runId = randomUUID();
  const startedAt = new Date();
  const clockAtStart = performance.now();
  const deadline = new Date(startedAt.getTime() + input.timeoutMs);
  // The query's own ID, not the run's: instances never learn run IDs.
  const query = deriveQuery(stored.dataRequest, {
    queryId: randomUUID(),
    now: startedAt,
    deadline,
  });

  const stop = new AbortController();
  const onAbort = () => stop.abort(searchOver);
  signal.addEventListener("abort", onAbort, { once: true });

  const counts: RunCounts = {
    asked: 0,
    matched: 0,
    notMatched: 0,
    offline: 0,
    timedOut: 0,
    skippedUnclaimed: 0,
  };
  // Every match found; the first `sent` of them went out.
  const matches: FoundMatch[] = [];
  let sent = 0;
  const unsent = () => matches.length - sent;
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
          matches.push({ instanceId, latencyMs });
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
  // Stored while the query is out; the request may have been archived since
  // its copy was kept, which this statement sees.
  const starting = startSearchRun(deps.db, {
    id: runId,
    dataRequestId: input.dataRequestId,
    organisationId: input.organisationId,
    requestedBy: input.subject,
    startedAt,
    deadline,
    asked: run.asked,
  });

  // The run is stored as finished when the fan-out ends, whether or not the
  // caller is still reading: a cancelled caller may never resume this generator.
  const completion = (async () => {
    const end = await run.done;
    fanoutEnded = true;
    pacer.poke();
    signal.removeEventListener("abort", onAbort);
    if ((await starting).outcome !== "started") return undefined;
    counts.timedOut = counts.asked - counts.matched - counts.notMatched;
    const state = end === "cancelled" ? ("cancelled" as const) : ("completed" as const);
    const finishedAt = new Date();
    const clockAtEnd = performance.now();
    const matchedInstanceIds = matches.map((m) => m.instanceId);
    await finishSearchRun(deps.db, { id: runId, state, finishedAt, counts, matchedInstanceIds });
    deps.log.info("search run ended", {
      search_run_id: runId,
      data_request_id: input.dataRequestId,
      state,
      ...countColumns(counts),
      // Until the answers were in (or the deadline), then storing the end.
      search_ms: tenths(clockAtEnd - clockAtStart),
      store_ms: tenths(performance.now() - clockAtEnd),
    });
    return { state, finishedAt, matchedInstanceIds };
  })();
  completion.catch((err) =>
    deps.log.error("cannot store a search run", { err, search_run_id: runId }),
  );

  try {
    const start = await starting;
    if (start.outcome !== "started") {
      deps.requests.forget(input.dataRequestId);
      throw start.outcome === "not_found"
        ? new NotFoundError("data request", input.dataRequestId)
        : notPublished();
    }
    counts.offline = start.offline;
    counts.skippedUnclaimed = start.unclaimed;
    yield {
      $typeName: "eddie.marketplace.v1.SearchInstancesResponse",
      event: {
        case: "started",
        value: {
          $typeName: "eddie.marketplace.v1.SearchStarted",
          searchRunId: runId,
          counts: countsMessage(counts),
          deadline: timestampFromDate(deadline),
        },
      },
    };
    let lastMatches = 0;
    let lastProgress = Date.now();
    while (!fanoutEnded) {
      const now = Date.now();
      if (unsent() > 0 && now - lastMatches >= matchesEveryMs) {
        lastMatches = now;
        yield* matchEvents();
        continue;
      }
      if (changed && now - lastProgress >= progressEveryMs) {
        changed = false;
        lastProgress = now;
        yield {
          $typeName: "eddie.marketplace.v1.SearchInstancesResponse",
          event: { case: "progress", value: countsMessage(counts) },
        };
        continue;
      }
      await pacer.wait(
        Math.min(
          unsent() > 0 ? lastMatches + matchesEveryMs : Number.POSITIVE_INFINITY,
          changed ? lastProgress + progressEveryMs : Number.POSITIVE_INFINITY,
        ),
      );
    }
    const ended = await completion;
    if (ended === undefined) throw new Error("the search run was not stored");
    const { state, finishedAt, matchedInstanceIds } = ended;
    // The last matches and the summary go out together, once the run is stored.
    yield* matchEvents();
    yield {
      $typeName: "eddie.marketplace.v1.SearchInstancesResponse",
      event: {
        case: "summary",
        value: toSearchRunMessage({
          id: runId,
          data_request_id: input.dataRequestId,
          organisation_id: input.organisationId,
          requested_by: input.subject,
          state,
          ...countColumns(counts),
          started_at: startedAt,
          deadline,
          finished_at: finishedAt,
          access_requested: false,
          matched_instance_ids: matchedInstanceIds,
        }),
      },
    };
  } finally {
    // The caller stopped reading early (or an error): stop the fan-out; the
    // completion stores what was found as cancelled.
    stop.abort(searchOver);
    await completion.catch(() => {});
  }

  function* matchEvents(): Generator<SearchInstancesResponse> {
    while (unsent() > 0) {
      const batch = matches.slice(sent, sent + matchesPerEvent);
      sent += batch.length;
      yield matchesEvent(batch);
    }
  }
}

/** Milliseconds to a tenth, for the log. */
function tenths(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function notPublished(): PreconditionError {
  return new PreconditionError(
    "only a published data request can be searched for; publish it first",
  );
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

/** A batch of matches, as the contract's two parallel lists. */
function matchesEvent(matches: readonly FoundMatch[]): SearchInstancesResponse {
  const instanceIds: string[] = [];
  const latencyMs: number[] = [];
  for (const m of matches) {
    instanceIds.push(m.instanceId);
    latencyMs.push(Math.max(0, Math.round(m.latencyMs)));
  }
  return {
    $typeName: "eddie.marketplace.v1.SearchInstancesResponse",
    event: {
      case: "matches",
      value: {
        $typeName: "eddie.marketplace.v1.SearchMatches",
        matches: [],
        instanceIds,
        latencyMs,
      },
    },
  };
}
