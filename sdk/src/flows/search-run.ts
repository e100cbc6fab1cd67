import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import type {
  SearchInstancesResponse,
  SearchMatch,
  SearchRun,
  SearchStarted,
} from "@eddie-marketplace/gen";
import type { MarketplaceClient } from "../marketplace-client.js";

/**
 * One event of a running search: started, a match, progress, or the summary
 * (last). The Marketplace sends matches in batches of two parallel lists;
 * they are handed out here one `match` event each.
 */
export type SearchEvent = Exclude<
  SearchInstancesResponse["event"],
  { case: undefined } | { case: "matches" }
>;

/** A running search: iterate it for events as they arrive; await `summary` for the end. */
export interface RunningSearch extends AsyncIterable<SearchEvent> {
  /** Resolves with the first event: the run's ID, the counts at the start, the deadline. */
  readonly started: Promise<SearchStarted>;
  /** Resolves with the stored run once every asked instance answered or the deadline passed. */
  readonly summary: Promise<SearchRun>;
  /** Only the matches, as they arrive; ends at the summary. */
  matches(): AsyncIterable<SearchMatch>;
  /** Stops the search; what was found until then stays stored. */
  cancel(): void;
}

/** How a {@link search} runs. */
export interface SearchOptions {
  /** How long the Marketplace waits for answers, 1 000 to 60 000 ms; default 10 s. */
  readonly timeoutMs?: number;
  /** Cancels the search when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * Searches the AIIDA instances for one of your published data requests. The
 * search starts at once; iterate the result to see `started`, each `match`
 * and `progress` as they arrive and the `summary` last, or just await
 * `summary`. Keep `summary.id` to ask access with.
 *
 * @throws (from the iteration and the promises) ConnectError NOT_FOUND for a
 * data request that is not yours, FAILED_PRECONDITION for one not published,
 * INVALID_ARGUMENT for a timeout out of range, PERMISSION_DENIED for a
 * customer, UNAVAILABLE when the stream broke before the summary (read the
 * run with `mp.search.getSearchRun`), CANCELED after `cancel()`.
 * @example
 * const run = search(mp, request.id, { timeoutMs: 5_000 });
 * for await (const m of run.matches()) console.log("match", m.instanceId);
 * const { id, counts } = await run.summary;
 */
export function search(
  mp: Pick<MarketplaceClient, "search">,
  dataRequestId: string,
  options: SearchOptions = {},
): RunningSearch {
  const abort = new AbortController();
  options.signal?.addEventListener("abort", () => abort.abort(), { once: true });
  if (options.signal?.aborted) abort.abort();

  const events: SearchEvent[] = [];
  let ended = false;
  let failure: ConnectError | undefined;
  let waiters: (() => void)[] = [];
  const notify = () => {
    for (const w of waiters) w();
    waiters = [];
  };
  let resolveStarted!: (s: SearchStarted) => void;
  let rejectStarted!: (e: unknown) => void;
  let resolveSummary!: (r: SearchRun) => void;
  let rejectSummary!: (e: unknown) => void;
  const started = new Promise<SearchStarted>((res, rej) => {
    resolveStarted = res;
    rejectStarted = rej;
  });
  const summary = new Promise<SearchRun>((res, rej) => {
    resolveSummary = res;
    rejectSummary = rej;
  });
  // Handled here so an unread promise never becomes an unhandled rejection;
  // callers who await them still see the error.
  started.catch(() => {});
  summary.catch(() => {});

  const timeout =
    options.timeoutMs === undefined
      ? undefined
      : {
          seconds: BigInt(Math.floor(options.timeoutMs / 1000)),
          nanos: (options.timeoutMs % 1000) * 1_000_000,
        };

  void (async () => {
    try {
      let sawSummary = false;
      for await (const res of mp.search.searchInstances(
        { dataRequestId, timeout },
        { signal: abort.signal },
      )) {
        const ev = res.event;
        if (ev.case === undefined) continue;
        if (ev.case === "matches") {
          const { instanceIds, latencyMs } = ev.value;
          // A Marketplace before the lists sent a message per match.
          for (const value of ev.value.matches) events.push({ case: "match", value });
          for (let i = 0; i < instanceIds.length; i++) {
            events.push({ case: "match", value: searchMatch(instanceIds[i] ?? "", latencyMs[i]) });
          }
          notify();
          continue;
        }
        if (ev.case === "started") resolveStarted(ev.value);
        if (ev.case === "summary") {
          sawSummary = true;
          resolveSummary(ev.value);
        }
        events.push(ev);
        notify();
      }
      if (!sawSummary) {
        throw new ConnectError(
          "the search stream ended before its summary: read the run with getSearchRun",
          Code.Unavailable,
        );
      }
    } catch (err) {
      failure = ConnectError.from(err);
      rejectStarted(failure);
      rejectSummary(failure);
    } finally {
      ended = true;
      notify();
    }
  })();

  async function* iterate(): AsyncGenerator<SearchEvent, void, undefined> {
    let next = 0;
    for (;;) {
      while (next < events.length) {
        const ev = events[next++];
        if (ev !== undefined) yield ev;
      }
      if (ended) {
        if (failure !== undefined) throw failure;
        return;
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  }

  return {
    started,
    summary,
    [Symbol.asyncIterator]: () => iterate(),
    async *matches() {
      for await (const ev of iterate()) if (ev.case === "match") yield ev.value;
    },
    cancel: () => abort.abort(),
  };
}

/** One match of a `matches` batch, as the message `search()` hands out. */
function searchMatch(instanceId: string, latencyMs: number | undefined): SearchMatch {
  return {
    $typeName: "eddie.marketplace.v1.SearchMatch",
    instanceId,
    latency: latencyMs === undefined ? undefined : durationFromMs(latencyMs),
  };
}
