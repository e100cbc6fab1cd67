import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import {
  type SearchInstancesRequest,
  type SearchInstancesResponseSchema,
  SearchRunState,
  SearchService,
} from "@eddie-marketplace/gen";
import { afterEach, describe, expect, it } from "vitest";
import { createMarketplaceClient } from "../node-transport.js";
import { type LocalServer, serveRoutes } from "../testing/local-server.js";
import { search } from "./search-run.js";

type Event = MessageInitShape<typeof SearchInstancesResponseSchema>["event"];
const counts = {
  asked: 3,
  matched: 0,
  notMatched: 0,
  offline: 1,
  timedOut: 0,
  skippedUnclaimed: 2,
};
const started: Event = { case: "started", value: { searchRunId: "run-1", counts } };
const matches = (...ids: string[]): Event => ({
  case: "matches",
  value: { instanceIds: ids, latencyMs: ids.map((_, i) => 40 + i * 1_000) },
});
const summary: Event = {
  case: "summary",
  value: {
    id: "run-1",
    dataRequestId: "dr-1",
    state: SearchRunState.COMPLETED,
    counts: { ...counts, matched: 2, notMatched: 1 },
    matchedInstanceIds: ["i-1", "i-2"],
  },
};

describe("search: a running search as an async iterable", () => {
  let server: LocalServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function marketplace(
    answer: (req: SearchInstancesRequest, ctx: HandlerContext) => AsyncIterable<Event>,
  ) {
    const requests: SearchInstancesRequest[] = [];
    server = await serveRoutes((router) =>
      router.service(SearchService, {
        async *searchInstances(req, ctx) {
          requests.push(req);
          for await (const event of answer(req, ctx)) yield { event };
        },
      }),
    );
    return { mp: createMarketplaceClient({ baseUrl: server.baseUrl }), requests };
  }

  it("yields started, each match and progress as they come, and the summary last", async () => {
    const { mp, requests } = await marketplace(async function* () {
      yield started;
      yield matches("i-1");
      yield { case: "progress", value: { ...counts, matched: 1 } };
      yield matches("i-2", "i-3");
      yield summary;
    });
    const run = search(mp, "dr-1", { timeoutMs: 5_500 });
    const seen: string[] = [];
    for await (const ev of run) {
      seen.push(ev.case === "match" ? `match ${ev.value.instanceId}` : ev.case);
    }
    expect(seen).toEqual(["started", "match i-1", "progress", "match i-2", "match i-3", "summary"]);
    const latencies: unknown[] = [];
    for await (const m of run.matches()) latencies.push(m.latency);
    expect(latencies).toMatchObject([
      { seconds: 0n, nanos: 40_000_000 },
      { seconds: 0n, nanos: 40_000_000 },
      { seconds: 1n, nanos: 40_000_000 },
    ]);
    expect((await run.started).searchRunId).toBe("run-1");
    expect((await run.summary).matchedInstanceIds).toEqual(["i-1", "i-2"]);
    expect(requests[0]?.dataRequestId).toBe("dr-1");
    expect(requests[0]?.timeout).toMatchObject({ seconds: 5n, nanos: 500_000_000 });
  });

  it("hands out only the matches, and the summary without iterating at all", async () => {
    const { mp } = await marketplace(async function* () {
      yield started;
      yield matches("i-1");
      // Marketplaces before the lists sent each match on its own, then a
      // message per match in a batch.
      yield { case: "match", value: { instanceId: "i-2" } };
      yield { case: "matches", value: { matches: [{ instanceId: "i-3" }] } };
      yield summary;
    });
    const run = search(mp, "dr-1");
    const ids: string[] = [];
    for await (const m of run.matches()) ids.push(m.instanceId);
    expect(ids).toEqual(["i-1", "i-2", "i-3"]);
    const onlySummary = search(mp, "dr-1");
    expect((await onlySummary.summary).counts?.matched).toBe(2);
  });

  it("surfaces the Marketplace's error code from the iteration and the promises", async () => {
    const { mp } = await marketplace(async function* () {
      yield* [];
      throw new ConnectError("no data request dr-x", Code.NotFound);
    });
    const run = search(mp, "dr-x");
    await expect(run.summary).rejects.toMatchObject({ code: Code.NotFound });
    await expect(run.started).rejects.toMatchObject({ code: Code.NotFound });
    const iterate = async () => {
      for await (const _ of run) expect.unreachable();
    };
    await expect(iterate()).rejects.toMatchObject({ code: Code.NotFound });
  });

  it("reports a stream that ended before its summary as UNAVAILABLE", async () => {
    const { mp } = await marketplace(async function* () {
      yield started;
      yield matches("i-1");
    });
    const run = search(mp, "dr-1");
    const seen: string[] = [];
    const iterate = async () => {
      for await (const ev of run) seen.push(ev.case);
    };
    await expect(iterate()).rejects.toMatchObject({ code: Code.Unavailable });
    expect(seen).toEqual(["started", "match"]);
  });

  it("cancel() stops the search at the Marketplace", async () => {
    let serverSawAbort!: () => void;
    const aborted = new Promise<void>((resolve) => {
      serverSawAbort = resolve;
    });
    const { mp } = await marketplace(async function* (_req, ctx) {
      yield started;
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
      serverSawAbort();
    });
    const run = search(mp, "dr-1");
    await run.started;
    run.cancel();
    await expect(run.summary).rejects.toMatchObject({ code: Code.Canceled });
    await aborted;
  });
});
