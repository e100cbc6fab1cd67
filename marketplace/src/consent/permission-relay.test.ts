import { create } from "@bufbuild/protobuf";
import {
  type DataRequest,
  DeliveryStatus,
  PermissionAckSchema,
  PermissionState,
  PermissionStatusSchema,
} from "@eddie-marketplace/gen";
import { silentLogger } from "@eddie-marketplace/sdk/log";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../db/database.js";
import { openTestDatabase, testDatabaseKinds } from "../db/test-database.js";
import { type AccessModule, buildAccessModule } from "./access-module.js";
import { RecordingChannel, seedSearchRun, testAccessSources, testDataRequest } from "./testing.js";

const acme = { id: "acme", name: "Acme Energy" };

describe.each(testDatabaseKinds())("the permission relay on %s", (kind) => {
  let database: DatabaseHandle;
  const requests = new Map<string, DataRequest>();
  const modules: AccessModule[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });
  afterAll(async () => {
    for (const m of modules) await m.stop();
    await database?.close();
  });

  async function startModule(channel: RecordingChannel): Promise<AccessModule> {
    const m = await buildAccessModule({
      db: database.db,
      log: silentLogger,
      channel,
      sources: testAccessSources(requests),
      options: { pollMs: 50, retryMs: 60_000, notificationPollMs: 50, sweepMs: 3_600_000 },
    });
    await m.start();
    modules.push(m);
    return m;
  }

  async function approvedWhileOffline(m: AccessModule, instanceId: string): Promise<string> {
    const dr = testDataRequest(acme);
    requests.set(dr.id, dr);
    const runId = await seedSearchRun(database.db, {
      organisationId: acme.id,
      dataRequestId: dr.id,
      matches: [{ instanceId, owner: `owner-${instanceId}` }],
    });
    const asked = await m.lifecycle.requestAccess(acme, { searchRunId: runId, expiresInDays: 0 });
    const id = asked.permissions[0]?.id ?? "";
    await m.lifecycle.approve(`owner-${instanceId}`, id);
    return id;
  }

  it("keeps a grant for an offline instance across a restart and sends it when it attaches", async () => {
    const before = new RecordingChannel();
    const first = await startModule(before);
    const id = await approvedWhileOffline(first, "node-restart");
    await first.stop();
    expect(before.sent).toEqual([]);

    // A new Marketplace process over the same database.
    const after = new RecordingChannel();
    const second = await startModule(after);
    after.attach("node-restart");
    const sent = await after.waitFor((s) => s.instanceId === "node-restart");
    expect(sent.message.message?.case).toBe("configurePermission");
    // The relay records the grant as sent after writing it; the node answers after that.
    await expect
      .poll(
        async () =>
          (await second.lifecycle.get({ kind: "customer", subject: "owner-node-restart" }, id))
            .permission.state,
      )
      .toBe(PermissionState.CONFIGURING);

    after.report("node-restart", {
      case: "permissionAck",
      value: create(PermissionAckSchema, { permissionId: id, accepted: true }),
    });
    // A duplicate acknowledgement (the node answered a re-sent grant) changes nothing.
    after.report("node-restart", {
      case: "permissionAck",
      value: create(PermissionAckSchema, { permissionId: id, accepted: true }),
    });
    await second.relay.stop();
    const { events } = await second.lifecycle.get(
      { kind: "eligible-party", organisationId: "acme" },
      id,
    );
    expect(events.map((e) => e.toState)).toEqual([
      PermissionState.REQUESTED,
      PermissionState.APPROVED,
      PermissionState.CONFIGURING,
      PermissionState.ACTIVE,
    ]);
    const pending = await database.db
      .selectFrom("outbox")
      .select("id")
      .where("target", "=", "node-restart")
      .where("done_at", "is", null)
      .execute();
    expect(pending).toEqual([]);
  });

  it("re-sends an unanswered grant when the instance re-attaches, and ignores other instances' reports", async () => {
    const channel = new RecordingChannel();
    const m = await startModule(channel);
    const id = await approvedWhileOffline(m, "node-flaky");
    channel.attach("node-flaky");
    await channel.waitFor((s) => s.instanceId === "node-flaky");
    // The stream broke before the node answered; it comes back.
    channel.detach("node-flaky");
    channel.sent.length = 0;
    channel.attach("node-flaky");
    const again = await channel.waitFor((s) => s.instanceId === "node-flaky");
    expect(again.message.message?.case).toBe("configurePermission");

    // An instance the permission does not name can't move it.
    channel.report("intruder", {
      case: "permissionStatus",
      value: create(PermissionStatusSchema, {
        permissionId: id,
        status: DeliveryStatus.DELIVERING,
      }),
    });
    await m.relay.stop();
    const { permission } = await m.lifecycle.get(
      { kind: "customer", subject: "owner-node-flaky" },
      id,
    );
    expect(permission.state).toBe(PermissionState.CONFIGURING);
  });

  it("tells an instance that reports delivering for an ended permission to stop", async () => {
    const channel = new RecordingChannel();
    const m = await startModule(channel);
    const id = await approvedWhileOffline(m, "node-late");
    await m.lifecycle.revoke("owner-node-late", id, "");
    channel.attach("node-late");
    channel.report("node-late", {
      case: "permissionStatus",
      value: create(PermissionStatusSchema, {
        permissionId: id,
        status: DeliveryStatus.DELIVERING,
      }),
    });
    const stop = await channel.waitFor(
      (s) => s.instanceId === "node-late" && s.message.message?.case === "stopPermission",
    );
    expect(stop).toBeDefined();
    expect(
      channel.sent.some(
        (s) => s.instanceId === "node-late" && s.message.message?.case === "configurePermission",
      ),
    ).toBe(false);
  });
});
