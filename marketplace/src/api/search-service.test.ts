import { durationFromMs, timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  CatalogService,
  InstanceService,
  type Query,
  type SearchInstancesResponse,
  SearchRunState,
  SearchService,
} from "@eddie-marketplace/gen";
import { createLogger } from "@eddie-marketplace/sdk/log";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerPrincipal, epPrincipal } from "../auth/testing.js";
import { PublishedRequests } from "../catalog/published-requests.js";
import { dataRequestInput } from "../catalog/testing.js";
import type { DatabaseHandle } from "../db/database.js";
import { openTestDatabase, testDatabaseKinds } from "../db/test-database.js";
import {
  attached,
  connectTestNode,
  detached,
  startTestMesh,
  type TestMesh,
  type TestNode,
  testIdentity,
} from "../mesh/testing.js";
import { RegistryFanout } from "../search/registry-fanout.js";
import { catalogService } from "./catalog-service.js";
import { instanceService } from "./instance-service.js";
import { searchService } from "./search-service.js";
import { inMemoryApi } from "./testing.js";

type Event = SearchInstancesResponse["event"];

async function collect(events: AsyncIterable<SearchInstancesResponse>): Promise<Event[]> {
  const all: Event[] = [];
  for await (const e of events) all.push(e.event);
  return all;
}

function only<K extends NonNullable<Event["case"]>>(
  events: Event[],
  kind: K,
): Extract<Event, { case: K }>["value"][] {
  return events.filter((e) => e.case === kind).map((e) => e.value as never);
}

async function codeOf(p: Promise<unknown>): Promise<Code | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return ConnectError.from(e).code;
  }
}

describe.each(testDatabaseKinds())("searching AIIDA instances (%s)", (kind) => {
  let database: DatabaseHandle;
  let mesh: TestMesh;
  let api: ReturnType<typeof inMemoryApi>;
  const logged: Record<string, unknown>[] = [];
  const warned: ((w: Record<string, unknown>) => void)[] = [];
  const nodes: Record<string, TestNode> = {};
  let atRequest = "";
  let deRequest = "";

  const countryNode =
    (country: string) =>
    (q: Query): boolean =>
      q.countries.includes(country);

  async function attach(
    name: string,
    claimBy: string | undefined,
    answer?: (q: Query) => boolean | undefined,
  ) {
    const identity = await testIdentity();
    const node = await connectTestNode(mesh.target, { identity, answer });
    const code = (await node.next("welcome")).pairingCode?.code ?? "";
    await attached(mesh.registry, identity.instanceId);
    if (claimBy !== undefined) {
      await api
        .as(claimBy)
        .client(InstanceService)
        .claimInstance({ instanceId: identity.instanceId, pairingCode: code });
    }
    nodes[name] = node;
    return node;
  }

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    mesh = await startTestMesh(database.db);
    const log = createLogger("info", {}, (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logged.push(entry);
      if (entry.level === "warn") for (const f of warned.splice(0)) f(entry);
    });
    const fanout = new RegistryFanout(mesh.registry, log);
    api = inMemoryApi(
      (router) => {
        router.service(CatalogService, catalogService({ db: database.db }));
        router.service(
          InstanceService,
          instanceService({
            db: database.db,
            registry: mesh.registry,
            claimChanged: (id, claimed) => mesh.mesh.claimChanged(id, claimed),
          }),
        );
        router.service(
          SearchService,
          searchService({
            db: database.db,
            fanout,
            requests: new PublishedRequests(database.db),
            log,
          }),
        );
      },
      {
        alice: customerPrincipal("alice"),
        bob: customerPrincipal("bob"),
        acme: epPrincipal("ep-1", "acme"),
        other: epPrincipal("ep-2", "other-org"),
      },
    );
    const catalog = api.as("acme").client(CatalogService);
    const publish = async (countries: string[]) => {
      const { dataRequest } = await catalog.createDataRequest({
        input: dataRequestInput({ countries }),
      });
      await catalog.publishDataRequest({ id: dataRequest?.id ?? "" });
      return dataRequest?.id ?? "";
    };
    atRequest = await publish(["AT"]);
    deRequest = await publish(["DE"]);

    await attach("at1", "alice", countryNode("AT"));
    await attach("at2", "bob", countryNode("AT"));
    await attach("de1", "alice", countryNode("DE"));
    await attach("unclaimed", undefined, () => true);
    const gone = await attach("gone", "bob", () => true);
    gone.close();
    await detached(mesh.registry, gone.instanceId);
  });
  afterAll(async () => {
    for (const n of Object.values(nodes)) n.close();
    await mesh?.close();
    await database?.close();
  });

  const search = (dataRequestId: string, timeoutMs = 10_000, signal?: AbortSignal) =>
    api
      .as("acme")
      .client(SearchService)
      .searchInstances({ dataRequestId, timeout: durationFromMs(timeoutMs) }, { signal });

  it("finds exactly the claimed instances whose data match, counting offline and unclaimed ones", async () => {
    const events = await collect(search(atRequest));
    expect(events[0]?.case).toBe("started");
    const started = only(events, "started")[0];
    expect(started?.counts).toMatchObject({ asked: 3, offline: 1, skippedUnclaimed: 1 });
    const batches = only(events, "matches");
    expect(batches.flatMap((b) => b.instanceIds).sort()).toEqual(
      [nodes.at1?.instanceId, nodes.at2?.instanceId].sort(),
    );
    // A latency per match, in the same order; no message per match.
    for (const b of batches) {
      expect(b.latencyMs).toHaveLength(b.instanceIds.length);
      expect(b.matches).toEqual([]);
    }
    const summary = only(events, "summary")[0];
    expect(events.at(-1)?.case).toBe("summary");
    expect(summary?.state).toBe(SearchRunState.COMPLETED);
    expect(summary?.counts).toMatchObject({
      asked: 3,
      matched: 2,
      notMatched: 1,
      offline: 1,
      timedOut: 0,
      skippedUnclaimed: 1,
    });
    expect(nodes.unclaimed?.received.some((m) => m.message.case === "query")).toBe(false);
    // Operators see each run's end, with its counts, before the caller does.
    expect(logged.find((l) => l.search_run_id === started?.searchRunId)).toMatchObject({
      level: "info",
      msg: "search run ended",
      data_request_id: atRequest,
      state: "completed",
      asked: 3,
      matched: 2,
      not_matched: 1,
      offline: 1,
      timed_out: 0,
      skipped_unclaimed: 1,
      search_ms: expect.any(Number),
      store_ms: expect.any(Number),
    });

    const searches = api.as("acme").client(SearchService);
    const { searchRun } = await searches.getSearchRun({ id: started?.searchRunId ?? "" });
    expect(searchRun?.matchedInstanceIds.slice().sort()).toEqual(
      summary?.matchedInstanceIds.slice().sort(),
    );
    expect(searchRun?.state).toBe(SearchRunState.COMPLETED);
    const listed = await searches.listSearchRuns({ dataRequestId: atRequest });
    expect(listed.searchRuns.map((r) => r.id)).toContain(started?.searchRunId);
    expect(
      await codeOf(
        api
          .as("other")
          .client(SearchService)
          .getSearchRun({ id: started?.searchRunId ?? "" }),
      ),
    ).toBe(Code.NotFound);
  });

  it("ignores an answer from an instance that was not sent the query", async () => {
    const slow = await attach("slow", "alice");
    const warning = new Promise<Record<string, unknown>>((resolve) => warned.push(resolve));
    const running = collect(search(deRequest));
    const query = await slow.next("query");
    // The unclaimed instance was never sent this query, yet answers it.
    nodes.unclaimed?.send({
      message: { case: "queryAnswer", value: { queryId: query.queryId, match: true } },
    });
    expect((await warning).instance_id).toBe(nodes.unclaimed?.instanceId);
    slow.send({
      message: { case: "queryAnswer", value: { queryId: query.queryId, match: false } },
    });
    const events = await running;
    const summary = only(events, "summary")[0];
    expect(only(events, "matches").flatMap((b) => b.instanceIds)).toEqual([nodes.de1?.instanceId]);
    expect(summary?.matchedInstanceIds).not.toContain(nodes.unclaimed?.instanceId);
    expect(summary?.counts).toMatchObject({ asked: 4, matched: 1, notMatched: 3, timedOut: 0 });
  });

  it("ends by the deadline when an instance never answers, counting it timed out", async () => {
    const events = await collect(search(deRequest, 1000));
    const summary = only(events, "summary")[0];
    expect(summary?.counts).toMatchObject({ asked: 4, matched: 1, notMatched: 2, timedOut: 1 });
    const took =
      timestampDate(summary?.finishedAt ?? summary!.startedAt!).getTime() -
      timestampDate(summary!.startedAt!).getTime();
    expect(took).toBeLessThan(1000 + 500);
    await nodes.slow?.next("query");
  });

  it("counts an instance whose stream breaks mid-search as timed out and ends without waiting for it", async () => {
    const slow = nodes.slow as TestNode;
    const running = collect(search(deRequest, 60_000));
    await slow.next("query");
    slow.close();
    const events = await running;
    const summary = only(events, "summary")[0];
    expect(summary?.state).toBe(SearchRunState.COMPLETED);
    expect(summary?.counts).toMatchObject({ asked: 4, matched: 1, notMatched: 2, timedOut: 1 });
  });

  it("stops when the caller cancels and keeps the run as cancelled", async () => {
    const waiting = await attach("waiting", "bob");
    const cancel = new AbortController();
    let started!: (id: string) => void;
    const runIdPromise = new Promise<string>((resolve) => {
      started = resolve;
    });
    const consumed = (async () => {
      for await (const e of search(atRequest, 60_000, cancel.signal)) {
        if (e.event.case === "started") started(e.event.value.searchRunId);
      }
    })();
    const runId = await runIdPromise;
    await waiting.next("query");
    cancel.abort();
    expect(await codeOf(consumed)).toBe(Code.Canceled);
    const searches = api.as("acme").client(SearchService);
    const stored = async () => (await searches.getSearchRun({ id: runId })).searchRun;
    // The server stores the run as cancelled once the cancel reaches it.
    const until = Date.now() + 10_000;
    while ((await stored())?.state === SearchRunState.RUNNING && Date.now() < until) {
      await new Promise((r) => setImmediate(r));
    }
    const run = await stored();
    expect(run?.state).toBe(SearchRunState.CANCELLED);
    expect(run?.matchedInstanceIds.length).toBeLessThanOrEqual(2);
  });

  it("refuses a request archived after it was searched for, and stores no run for it", async () => {
    const catalog = api.as("acme").client(CatalogService);
    const { dataRequest } = await catalog.createDataRequest({ input: dataRequestInput() });
    const id = dataRequest?.id ?? "";
    await catalog.publishDataRequest({ id });
    // Short: an instance of an earlier test never answers.
    const first = await collect(search(id, 1_000));
    expect(first.at(-1)?.case).toBe("summary");
    // The Marketplace keeps published requests in memory; archiving one still counts.
    await catalog.archiveDataRequest({ id });
    expect(await codeOf(collect(search(id, 1_000)))).toBe(Code.FailedPrecondition);
    expect(await codeOf(collect(search(id, 1_000)))).toBe(Code.FailedPrecondition);
    const { searchRuns } = await api
      .as("acme")
      .client(SearchService)
      .listSearchRuns({ dataRequestId: id });
    expect(searchRuns).toHaveLength(1);
  });

  it("refuses other organisations' requests, drafts, bad timeouts and customers", async () => {
    const catalog = api.as("acme").client(CatalogService);
    const { dataRequest: draft } = await catalog.createDataRequest({ input: dataRequestInput() });
    expect(await codeOf(collect(search(draft?.id ?? "")))).toBe(Code.FailedPrecondition);
    expect(
      await codeOf(
        collect(
          api.as("other").client(SearchService).searchInstances({ dataRequestId: atRequest }),
        ),
      ),
    ).toBe(Code.NotFound);
    expect(await codeOf(collect(search(atRequest, 500)))).toBe(Code.InvalidArgument);
    expect(
      await codeOf(
        collect(
          api.as("alice").client(SearchService).searchInstances({ dataRequestId: atRequest }),
        ),
      ),
    ).toBe(Code.PermissionDenied);
  });
});
