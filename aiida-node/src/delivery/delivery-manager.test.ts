import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeliveryStatus, ObisCode } from "@eddie-marketplace/gen";
import { GRANT_ALGORITHM, type GrantClaims } from "@eddie-marketplace/sdk/grant";
import { silentLogger } from "@eddie-marketplace/sdk/log";
import {
  type IngestReceiver,
  type ReceivedRecord,
  startIngestReceiver,
} from "@eddie-marketplace/sdk/receiver";
import { createLocalJWKSet, exportJWK, generateKeyPair, type JSONWebKeySet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PermissionContext, PermissionStatusInit } from "../link/permission-handler.js";
import { InstanceSources } from "../sources/instance-sources.js";
import { sourceProfile } from "../sources/source-profiles.js";
import { DeliveryManager } from "./delivery-manager.js";
import { signTestGrant, testGrantClaims } from "./testing.js";

type Key = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

describe("delivery at an AIIDA instance", () => {
  let dir: string;
  let receiver: IngestReceiver;
  let key: Key;
  let forgeKey: Key;
  let jwks: JSONWebKeySet;
  const sources = InstanceSources.fromProfile(sourceProfile("at-household"), 7);
  const statuses: PermissionStatusInit[] = [];
  const context: PermissionContext = {
    instanceId: "inst-1",
    sources,
    reportStatus: (s) => statuses.push(s),
  };
  const managers: DeliveryManager[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aiida-delivery-"));
    const pair = await generateKeyPair(GRANT_ALGORITHM, { crv: "Ed25519", extractable: true });
    key = pair.privateKey;
    forgeKey = (await generateKeyPair(GRANT_ALGORITHM, { crv: "Ed25519" })).privateKey;
    jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: "mp", alg: GRANT_ALGORITHM }] };
    receiver = await startIngestReceiver({
      organisationId: "acme",
      marketplace: createLocalJWKSet(jwks),
    });
  });
  afterAll(async () => {
    for (const m of managers) await m.close();
    await receiver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function manager(book: string): Promise<DeliveryManager> {
    const m = await DeliveryManager.open({
      instanceId: "inst-1",
      keys: createLocalJWKSet(jwks),
      bookFile: join(dir, `${book}.json`),
      sources: () => sources,
      log: silentLogger,
    });
    managers.push(m);
    return m;
  }

  function grantFor(permissionId: string, fields: Partial<GrantClaims> = {}, signWith = key) {
    return signTestGrant(
      testGrantClaims(`127.0.0.1:${receiver.port}`, { permissionId, ...fields }),
      signWith,
    );
  }

  /** Collects records of `permissionId` until `enough` says so. */
  async function collect(
    permissionId: string,
    enough: (records: ReceivedRecord[]) => boolean,
  ): Promise<ReceivedRecord[]> {
    const abort = new AbortController();
    const got: ReceivedRecord[] = [];
    for await (const r of receiver.records(abort.signal)) {
      if (r.permissionId !== permissionId) continue;
      got.push(r);
      if (enough(got)) break;
    }
    abort.abort();
    return got;
  }

  it("verifies the grant, acknowledges, and delivers only the granted tags", async () => {
    const m = await manager("ok");
    const arriving = collect("p-ok", (r) => r.length >= 20);
    const decision = await m.configure(
      { permissionId: "p-ok", grant: await grantFor("p-ok") } as never,
      context,
    );
    expect(decision).toEqual({ accepted: true });
    const records = await arriving;
    expect(new Set(records.map((r) => r.dataTag))).toEqual(
      new Set([ObisCode.POSITIVE_ACTIVE_ENERGY, ObisCode.POSITIVE_ACTIVE_INSTANTANEOUS_POWER]),
    );
    expect(records.every((r) => r.instanceId === "inst-1" && r.dataSourceId === "main-meter")).toBe(
      true,
    );
    // Asking again (a re-sent configuration) is harmless.
    expect(
      await m.configure({ permissionId: "p-ok", grant: await grantFor("p-ok") } as never, context),
    ).toEqual({ accepted: true });
    expect(m.activePermissionIds).toEqual(["p-ok"]);
  });

  it("refuses forged, altered and foreign grants before configuring anything", async () => {
    const m = await manager("refuse");
    const forged = await m.configure(
      { permissionId: "p-forged", grant: await grantFor("p-forged", {}, forgeKey) } as never,
      context,
    );
    expect(forged.accepted).toBe(false);
    expect(forged.reason).toContain("signature");

    const good = await grantFor("p-altered");
    const [h, p, s] = good.split(".");
    const body = JSON.parse(Buffer.from(p ?? "", "base64url").toString()) as Record<
      string,
      unknown
    >;
    body.delivery_endpoint = "evil.example:443";
    const altered = `${h}.${Buffer.from(JSON.stringify(body)).toString("base64url")}.${s}`;
    const tampered = await m.configure(
      { permissionId: "p-altered", grant: altered } as never,
      context,
    );
    expect(tampered.accepted).toBe(false);

    const foreign = await m.configure(
      {
        permissionId: "p-foreign",
        grant: await grantFor("p-foreign", { instanceId: "someone-else" }),
      } as never,
      context,
    );
    expect(foreign).toEqual({ accepted: false, reason: "the grant is for another instance" });

    const voltage = await m.configure(
      {
        permissionId: "p-volt",
        grant: await grantFor("p-volt", { dataTags: [ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L1] }),
      } as never,
      context,
    );
    expect(voltage.accepted).toBe(false);
    expect(voltage.reason).toContain("1-0:32.7.0");
    expect(m.activePermissionIds).toEqual([]);
  });

  it("stops delivering at once on StopPermission and never restarts that permission", async () => {
    const m = await manager("stop");
    const first = collect("p-stop", (r) => r.length >= 1);
    await m.configure(
      { permissionId: "p-stop", grant: await grantFor("p-stop") } as never,
      context,
    );
    await first;
    const stoppedAt = Date.now();
    await m.stop({ permissionId: "p-stop", reason: "revoked" } as never, context);
    expect(statuses.at(-1)).toMatchObject({
      permissionId: "p-stop",
      status: DeliveryStatus.STOPPED,
    });
    // Nothing under that permission arrives after the stop, through two more schedule ticks.
    const late: ReceivedRecord[] = [];
    const abort = new AbortController();
    const watching = (async () => {
      for await (const r of receiver.records(abort.signal)) {
        if (r.permissionId === "p-stop") late.push(r);
      }
    })();
    await new Promise((r) => setTimeout(r, 2_500));
    abort.abort();
    await watching;
    expect(late.filter((r) => r.receivedAt.getTime() > stoppedAt + 100)).toEqual([]);
    const again = await m.configure(
      { permissionId: "p-stop", grant: await grantFor("p-stop") } as never,
      context,
    );
    expect(again.accepted).toBe(false);
  });

  it("ends delivery by itself at the end of the granted period and reports it fulfilled", async () => {
    const m = await manager("end");
    const end = new Date(Date.now() + 1_500);
    await m.configure(
      { permissionId: "p-end", grant: await grantFor("p-end", { end }) } as never,
      context,
    );
    const deadline = Date.now() + 10_000;
    while (!statuses.some((s) => s.permissionId === "p-end")) {
      if (Date.now() > deadline) throw new Error("no status after the end of the period");
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(statuses.find((s) => s.permissionId === "p-end")?.status).toBe(DeliveryStatus.FULFILLED);
    expect(m.activePermissionIds).not.toContain("p-end");
  });

  it("sends a batch again when the receiver could not store it", async () => {
    let failures = 1;
    const stored: ReceivedRecord[] = [];
    const picky = await startIngestReceiver({
      organisationId: "acme",
      marketplace: createLocalJWKSet(jwks),
      store: async (records) => {
        if (failures-- > 0) throw new Error("disk full");
        stored.push(...records);
      },
    });
    try {
      const m = await manager("retry");
      await m.configure(
        {
          permissionId: "p-retry",
          grant: await grantFor("p-retry", { deliveryEndpoint: `127.0.0.1:${picky.port}` }),
        } as never,
        context,
      );
      const deadline = Date.now() + 15_000;
      while (stored.length === 0) {
        if (Date.now() > deadline) throw new Error("the batch never came again");
        await new Promise((r) => setTimeout(r, 50));
      }
      // The refused first batch (from the start of the period) came again.
      const earliest = Math.min(...stored.map((r) => r.measuredAt.getTime()));
      expect(earliest).toBeLessThan(Date.now() - 50_000);
      await m.close();
    } finally {
      await picky.close();
    }
  });

  it("resumes kept permissions after a restart, from where the receiver acknowledged", async () => {
    const m = await manager("keep");
    const before = collect("p-keep", (r) => r.length >= 10);
    await m.configure(
      { permissionId: "p-keep", grant: await grantFor("p-keep") } as never,
      context,
    );
    const earlier = await before;
    // The receiver acknowledges right after it hands the records out.
    while (m.recordsSent("p-keep") === 0) await new Promise((r) => setTimeout(r, 20));
    await m.close();

    const reopened = await manager("keep");
    const reported: PermissionStatusInit[] = [];
    const after = collect("p-keep", (r) => r.length >= 2);
    reopened.resume({ ...context, reportStatus: (s) => reported.push(s) });
    expect(reopened.activePermissionIds).toContain("p-keep");
    expect(reported.find((s) => s.permissionId === "p-keep")?.status).toBe(
      DeliveryStatus.DELIVERING,
    );
    const records = await after;
    expect(records.length).toBeGreaterThanOrEqual(2);
    // It picks up after what was acknowledged instead of starting the period over.
    const firstBefore = Math.min(...earlier.map((r) => r.measuredAt.getTime()));
    expect(Math.min(...records.map((r) => r.measuredAt.getTime()))).toBeGreaterThan(firstBefore);
  });
});
