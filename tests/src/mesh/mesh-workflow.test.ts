import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { dataRequestInput } from "@eddie-marketplace/marketplace/src/catalog/testing.js";
import {
  connectTestNode,
  grpcStatus,
  testIdentity,
} from "@eddie-marketplace/marketplace/src/mesh/testing.js";
import {
  Asset,
  Code,
  ConnectError,
  createMarketplaceClient,
  DataNeedDurationSchema,
  ObisCode,
  type SearchInstancesResponse,
  type SearchRun,
  staticToken,
} from "@eddie-marketplace/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freshDatabaseUrl,
  type SignedIn,
  signUp,
  startIam,
  startMarketplaceFor,
  type TestIam,
} from "../harness/iam.js";
import type { RunningProgram } from "../harness/program.js";
import {
  freshStateDir,
  type NodeReady,
  nextLine,
  pairingCode,
  programPid,
  startAiidaNode,
} from "./mesh-programs.js";

// Whole system: the IAM, the Marketplace and AIIDA nodes as real processes.
// The swarm cycles through the node program's profiles: AT household, NL with
// PV, FR Linky, IT Alfa, DE heat pump; a separate AT household runs alone so
// it can be frozen, killed and restarted.
describe("the AIIDA mesh with real processes", () => {
  let drop: () => Promise<void>;
  let iam: TestIam;
  let mp: RunningProgram<{ httpPort: number; grpcPort: number }>;
  let swarm: RunningProgram<NodeReady>;
  let single: RunningProgram<NodeReady>;
  const singleState = freshStateDir("aiida-single");
  let alice: SignedIn;
  let bob: SignedIn;
  let acme: SignedIn;
  const ids = { at: "", nl: "", fr: "", it: "", de: "", single: "" };

  const sdk = (who: SignedIn) =>
    createMarketplaceClient({
      baseUrl: `http://127.0.0.1:${mp.ready.httpPort}`,
      tokenProvider: staticToken(who.accessToken),
    });

  beforeAll(async () => {
    const database = await freshDatabaseUrl();
    drop = database.drop;
    iam = await startIam();
    mp = await startMarketplaceFor(iam, { DATABASE_URL: database.url, LOG_LEVEL: "info" });
    [alice, bob, acme] = await Promise.all([
      signUp(iam, { role: "customer" }),
      signUp(iam, { role: "customer" }),
      signUp(iam, { role: "eligible_party", organisation: "Acme Energy" }),
    ]);
    [swarm, single] = await Promise.all([
      startAiidaNode({ name: "aiida-swarm", grpcPort: mp.ready.grpcPort, simulate: 5 }),
      startAiidaNode({
        name: "aiida-single",
        grpcPort: mp.ready.grpcPort,
        profile: "at-household",
        stateDir: singleState,
      }),
    ]);
    [ids.at, ids.nl, ids.fr, ids.it, ids.de] = swarm.ready.instanceIds as [
      string,
      string,
      string,
      string,
      string,
    ];
    ids.single = single.ready.instanceIds[0] ?? "";
  });
  afterAll(async () => {
    await Promise.all([swarm?.stop(), single?.stop()]);
    await mp?.stop();
    await iam?.stop();
    await drop?.();
  });

  async function claim(who: SignedIn, program: RunningProgram<unknown>, instanceId: string) {
    const code = await pairingCode(program, instanceId);
    return sdk(who).instances.claimInstance({ instanceId, pairingCode: code });
  }

  async function codeOf(p: Promise<unknown>): Promise<Code | undefined> {
    try {
      await p;
      return undefined;
    } catch (e) {
      return ConnectError.from(e).code;
    }
  }

  it("registers nodes; a customer claims one with its code and a second customer cannot", async () => {
    const { instance } = await claim(alice, swarm, ids.at);
    expect(instance).toMatchObject({ instanceId: ids.at, online: true, peerAddress: "127.0.0.1" });
    expect(instance?.dataSources.map((s) => s.country)).toContain("AT");

    const bobs = sdk(bob).instances;
    const code = await pairingCode(swarm, ids.at);
    expect(await codeOf(bobs.claimInstance({ instanceId: ids.at, pairingCode: code }))).toBe(
      Code.FailedPrecondition,
    );
    expect((await bobs.listInstances({})).instances).toEqual([]);
  });

  it("never claims with a wrong pairing code", async () => {
    const right = await pairingCode(swarm, ids.nl);
    const wrong = right === "222-222-222" ? "333-333-333" : "222-222-222";
    const bobs = sdk(bob).instances;
    expect(await codeOf(bobs.claimInstance({ instanceId: ids.nl, pairingCode: wrong }))).toBe(
      Code.InvalidArgument,
    );
    expect((await bobs.listInstances({})).instances).toEqual([]);
    // The household can still claim it with the right code.
    await claim(alice, swarm, ids.nl);
  });

  const published = new Map<string, string>();
  async function request(
    name: string,
    fields: Parameters<typeof dataRequestInput>[0],
    need: Parameters<typeof dataRequestInput>[1],
  ): Promise<string> {
    const known = published.get(name);
    if (known) return known;
    const catalog = sdk(acme).catalog;
    const { dataRequest } = await catalog.createDataRequest({
      input: dataRequestInput(fields, need),
    });
    await catalog.publishDataRequest({ id: dataRequest?.id ?? "" });
    published.set(name, dataRequest?.id ?? "");
    return dataRequest?.id ?? "";
  }

  async function search(
    dataRequestId: string,
    timeoutMs = 10_000,
    onStarted?: () => void,
  ): Promise<{ events: SearchInstancesResponse["event"][]; summary: SearchRun }> {
    const events: SearchInstancesResponse["event"][] = [];
    for await (const e of sdk(acme).search.searchInstances({
      dataRequestId,
      timeout: durationFromMs(timeoutMs),
    })) {
      events.push(e.event);
      if (e.event.case === "started") onStarted?.();
    }
    const last = events.at(-1);
    if (last?.case !== "summary") throw new Error("the search ended without a summary");
    return { events, summary: last.value };
  }

  const matchedIds = (events: SearchInstancesResponse["event"][]) =>
    events.flatMap((e) => (e.case === "matches" ? e.value.instanceIds : [])).sort();

  const everywhere = ["AT", "NL", "FR", "IT", "DE"];

  it("returns exactly the claimed nodes whose simulated data match", async () => {
    await claim(alice, swarm, ids.fr);
    await claim(bob, swarm, ids.de);
    await claim(bob, single, ids.single);
    // The IT node stays unclaimed: it is skipped, never asked.

    const energy = await request(
      "energy",
      { countries: everywhere },
      { dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY] },
    );
    const all = await search(energy);
    expect(matchedIds(all.events)).toEqual([ids.at, ids.nl, ids.fr, ids.de, ids.single].sort());
    expect(all.summary.counts).toMatchObject({
      asked: 5,
      matched: 5,
      notMatched: 0,
      offline: 0,
      timedOut: 0,
      skippedUnclaimed: 1,
    });

    // A data tag only some sources yield: voltage L1 (NL's P1 port, DE's main meter).
    const voltage = await request(
      "voltage",
      { countries: everywhere },
      { dataTags: [ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L1] },
    );
    const v = await search(voltage);
    expect(matchedIds(v.events)).toEqual([ids.nl, ids.de].sort());
    expect(v.summary.counts).toMatchObject({ asked: 5, matched: 2, notMatched: 3 });

    // One country.
    const france = await request(
      "france",
      { countries: ["FR"] },
      { dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY] },
    );
    expect(matchedIds((await search(france)).events)).toEqual([ids.fr]);

    // Another asset: only the DE heat pump is a controllable unit.
    const heatPump = await request(
      "heat-pump",
      { countries: everywhere },
      { asset: Asset.CONTROLLABLE_UNIT, dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY] },
    );
    expect(matchedIds((await search(heatPump)).events)).toEqual([ids.de]);

    // History from before the data begins. The simulated meters' history
    // ends up to 2026-01-01 and reaches back 365 (AT), 180 (DE), 90 (NL) and
    // 30 (FR) days; asking back to 2025-08-01 leaves out NL and FR.
    const since = new Date("2025-08-01T00:00:00Z");
    const daysBack = Math.ceil((Date.now() - since.getTime()) / 86_400_000);
    const relative = await request(
      "history-relative",
      { countries: everywhere },
      {
        dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY],
        duration: create(DataNeedDurationSchema, {
          kind: { case: "relative", value: { start: `-P${daysBack}D`, end: "P1Y" } },
        }),
      },
    );
    expect(matchedIds((await search(relative)).events)).toEqual(
      [ids.at, ids.de, ids.single].sort(),
    );
    const absolute = await request(
      "history-absolute",
      { countries: everywhere },
      {
        dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY],
        duration: create(DataNeedDurationSchema, {
          kind: {
            case: "absolute",
            value: {
              start: timestampFromDate(since),
              end: timestampFromDate(new Date(Date.now() + 365 * 86_400_000)),
            },
          },
        }),
      },
    );
    expect(matchedIds((await search(absolute)).events)).toEqual(
      [ids.at, ids.de, ids.single].sort(),
    );
  });

  it("reports a node killed mid-search and still ends by the deadline; then reports it offline", async () => {
    const energy = published.get("energy") ?? "";
    // Frozen, the node holds its connection but cannot answer; it is killed
    // once the search has started.
    const node = programPid(single);
    process.kill(node, "SIGSTOP");
    const { summary } = await search(energy, 3000, () => process.kill(node, "SIGKILL"));
    await single.stop();
    expect(summary.counts).toMatchObject({ asked: 5, matched: 4, timedOut: 1 });
    expect(summary.matchedInstanceIds).not.toContain(ids.single);
    const finished = timestampDate(summary.finishedAt ?? summary.startedAt!).getTime();
    expect(finished - timestampDate(summary.startedAt!).getTime()).toBeLessThanOrEqual(3000 + 500);

    const after = await search(energy);
    expect(after.summary.counts).toMatchObject({ asked: 4, matched: 4, offline: 1 });
    const { instance } = await sdk(bob).instances.getInstance({ instanceId: ids.single });
    expect(instance?.online).toBe(false);
  });

  it("a restarted node reconnects with its kept identity and answers the next search", async () => {
    single = await startAiidaNode({
      name: "aiida-single",
      grpcPort: mp.ready.grpcPort,
      profile: "at-household",
      stateDir: singleState,
    });
    expect(single.ready.instanceIds).toEqual([ids.single]);
    // The node dials on its own; the Marketplace holds its stream once it is welcomed.
    await nextLine(single, (j) => (j.msg === "attached" ? true : undefined));
    const { instance } = await sdk(bob).instances.getInstance({ instanceId: ids.single });
    expect(instance?.online).toBe(true);
    const { events, summary } = await search(published.get("energy") ?? "");
    expect(matchedIds(events)).toContain(ids.single);
    expect(summary.counts).toMatchObject({ asked: 5, matched: 5, offline: 0 });
  });

  it("refuses a different key for a known instance ID", async () => {
    const impostor = await testIdentity(ids.at);
    const node = await connectTestNode(`127.0.0.1:${mp.ready.grpcPort}`, { identity: impostor });
    const ended = await node.ended;
    expect(ended.code).toBe(grpcStatus.PERMISSION_DENIED);
    expect(node.received).toEqual([]);
    node.close();
    // The real instance keeps its stream and its claim.
    const { instance } = await sdk(alice).instances.getInstance({ instanceId: ids.at });
    expect(instance?.online).toBe(true);
  });

  it("ignores a node's answer to a query it was not sent", async () => {
    const target = `127.0.0.1:${mp.ready.grpcPort}`;
    const honest = await connectTestNode(target, { identity: await testIdentity() });
    const forger = await connectTestNode(target, { identity: await testIdentity() });
    const code = (await honest.next("welcome")).pairingCode?.code ?? "";
    await forger.next("welcome");
    await sdk(alice).instances.claimInstance({
      instanceId: honest.instanceId,
      pairingCode: code,
    });
    try {
      const from = mp.output.length;
      const running = search(published.get("energy") ?? "");
      const query = await honest.next("query");
      // The unclaimed forger was never sent the query, yet answers "match".
      forger.send({
        message: { case: "queryAnswer", value: { queryId: query.queryId, match: true } },
      });
      await nextLine(
        mp,
        (j) => (j.level === "warn" && j.instance_id === forger.instanceId ? true : undefined),
        from,
      );
      honest.send({
        message: { case: "queryAnswer", value: { queryId: query.queryId, match: false } },
      });
      const { events, summary } = await running;
      expect(matchedIds(events)).not.toContain(forger.instanceId);
      expect(summary.matchedInstanceIds).not.toContain(forger.instanceId);
      expect(summary.counts).toMatchObject({ asked: 6, matched: 5, notMatched: 1, timedOut: 0 });
      expect(forger.received.some((m) => m.message.case === "query")).toBe(false);
    } finally {
      honest.close();
      forger.close();
    }
  });
});
