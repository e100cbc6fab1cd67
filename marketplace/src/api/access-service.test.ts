import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import {
  AccessService,
  type DataRequest,
  DeliveryStatus,
  NotificationKind,
  NotificationService,
  ObisCode,
  PermissionState,
} from "@eddie-marketplace/gen";
import { verifyGrant } from "@eddie-marketplace/sdk/grant";
import { silentLogger } from "@eddie-marketplace/sdk/log";
import { createLocalJWKSet } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { customerPrincipal, epPrincipal } from "../auth/testing.js";
import { type AccessModule, buildAccessModule } from "../consent/access-module.js";
import {
  RecordingChannel,
  seedSearchRun,
  testAccessSources,
  testDataRequest,
} from "../consent/testing.js";
import type { DatabaseHandle } from "../db/database.js";
import { openTestDatabase, testDatabaseKinds } from "../db/test-database.js";
import { inMemoryApi } from "./testing.js";

const acme = { id: "acme", name: "Acme Energy" };
const principals = {
  alice: customerPrincipal("alice"),
  bob: customerPrincipal("bob"),
  mallory: customerPrincipal("mallory"),
  ep: epPrincipal("ep-user", "acme", "Acme Energy"),
  ep2: epPrincipal("ep-colleague", "acme", "Acme Energy"),
  rival: epPrincipal("rival-user", "rival", "Rival Power"),
};

async function codeOf(p: Promise<unknown>): Promise<Code | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

describe.each(testDatabaseKinds())("access and notifications on %s", (kind) => {
  let database: DatabaseHandle;
  let module: AccessModule;
  let channel: RecordingChannel;
  let clock = Date.now();
  const requests = new Map<string, DataRequest>();
  let api: ReturnType<typeof inMemoryApi>;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    channel = new RecordingChannel();
    module = await buildAccessModule({
      db: database.db,
      log: silentLogger,
      channel,
      sources: testAccessSources(requests),
      options: {
        now: () => new Date(clock),
        heartbeatMs: 200,
        notificationPollMs: 100,
        retryMs: 60_000,
        pollMs: 100,
        sweepMs: 3_600_000,
      },
    });
    await module.start();
    api = inMemoryApi((router: ConnectRouter) => {
      router.service(AccessService, module.access);
      router.service(NotificationService, module.notification);
    }, principals);
  });
  afterAll(async () => {
    await module?.stop();
    await database?.close();
  });
  beforeEach(() => {
    clock = Date.now();
  });

  /** A data request of acme, and a run that matched alice's two and bob's one instance. */
  async function askAccess(extra: { end?: string } = {}) {
    const dr = testDataRequest(acme, extra);
    requests.set(dr.id, dr);
    const suffix = dr.id.slice(0, 8);
    const runId = await seedSearchRun(database.db, {
      organisationId: acme.id,
      dataRequestId: dr.id,
      matches: [
        { instanceId: `a1-${suffix}`, owner: "alice" },
        { instanceId: `a2-${suffix}`, owner: "alice" },
        { instanceId: `b1-${suffix}`, owner: "bob" },
        { instanceId: `u1-${suffix}`, owner: null },
      ],
    });
    const res = await api
      .as("ep")
      .client(AccessService)
      .requestAccess({ searchRunId: runId, expiresInDays: 3 });
    const forAlice = res.permissions.find((p) => p.instances.length === 2);
    const forBob = res.permissions.find((p) => p.instances.length === 1);
    if (forAlice === undefined || forBob === undefined) throw new Error("permissions missing");
    return { dr, runId, res, forAlice, forBob, suffix };
  }

  it("asks each matching customer once, naming all their instances, and idempotently", async () => {
    const { runId, res, forAlice, suffix } = await askAccess();
    expect(res.requestsSent).toBe(2);
    expect(res.alreadyRequested).toBe(0);
    expect(forAlice.instances.map((i) => i.instanceId).sort()).toEqual([
      `a1-${suffix}`,
      `a2-${suffix}`,
    ]);
    expect(forAlice.state).toBe(PermissionState.REQUESTED);
    expect(forAlice.customerName).toBe("");
    const again = await api
      .as("ep")
      .client(AccessService)
      .requestAccess({ searchRunId: runId, expiresInDays: 0 });
    expect(again.requestsSent).toBe(0);
    expect(again.alreadyRequested).toBe(2);
    expect(again.permissions.map((p) => p.id).sort()).toEqual(
      res.permissions.map((p) => p.id).sort(),
    );

    const inbox = await api.as("alice").client(NotificationService).listNotifications({});
    const note = inbox.notifications.find((n) => n.permissionId === forAlice.id);
    expect(note?.kind).toBe(NotificationKind.ACCESS_REQUESTED);
    expect(note?.title).toContain("Acme Energy");
  });

  it("asks each customer once even when the EP asks twice at the same moment", async () => {
    const dr = testDataRequest(acme);
    requests.set(dr.id, dr);
    const runId = await seedSearchRun(database.db, {
      organisationId: acme.id,
      dataRequestId: dr.id,
      matches: [
        { instanceId: `x1-${dr.id.slice(0, 8)}`, owner: "alice" },
        { instanceId: `x2-${dr.id.slice(0, 8)}`, owner: "bob" },
      ],
    });
    const access = api.as("ep").client(AccessService);
    const [one, two] = await Promise.all([
      access.requestAccess({ searchRunId: runId }),
      access.requestAccess({ searchRunId: runId }),
    ]);
    expect(one.requestsSent + two.requestsSent).toBe(2);
    expect(one.alreadyRequested + two.alreadyRequested).toBe(2);
    const stored = await database.db
      .selectFrom("permission")
      .select("id")
      .where("data_request_id", "=", dr.id)
      .execute();
    expect(stored).toHaveLength(2);
  });

  it("refuses runs of other organisations, running runs and bad input with the right codes", async () => {
    const { runId } = await askAccess();
    const rival = api.as("rival").client(AccessService);
    expect(await codeOf(rival.requestAccess({ searchRunId: runId }))).toBe(Code.NotFound);
    const ep = api.as("ep").client(AccessService);
    expect(await codeOf(ep.requestAccess({ searchRunId: "" }))).toBe(Code.InvalidArgument);
    expect(await codeOf(ep.requestAccess({ searchRunId: runId, expiresInDays: 31 }))).toBe(
      Code.InvalidArgument,
    );
    const dr = testDataRequest(acme);
    requests.set(dr.id, dr);
    const running = await seedSearchRun(database.db, {
      organisationId: acme.id,
      dataRequestId: dr.id,
      matches: [],
      state: "running",
    });
    expect(await codeOf(ep.requestAccess({ searchRunId: running }))).toBe(Code.FailedPrecondition);
    expect(
      await codeOf(api.as("alice").client(AccessService).requestAccess({ searchRunId: runId })),
    ).toBe(Code.PermissionDenied);
  });

  it("lets the customer approve: signed grants per instance, configure commands queued, EP told", async () => {
    const { forAlice, dr } = await askAccess();
    const alice = api.as("alice").client(AccessService);
    const { permission } = await alice.approvePermission({ id: forAlice.id });
    expect(permission?.state).toBe(PermissionState.APPROVED);
    expect(permission?.start).toBeDefined();
    expect(permission?.end).toBeDefined();

    const grants = await database.db
      .selectFrom("permission_instance")
      .select(["instance_id", "grant"])
      .where("permission_id", "=", forAlice.id)
      .execute();
    const keys = createLocalJWKSet(module.signer.jwks());
    for (const g of grants) {
      const claims = await verifyGrant(g.grant ?? "", keys, {
        organisationId: "acme",
        instanceId: g.instance_id,
      });
      expect(claims.permissionId).toBe(forAlice.id);
      expect(claims.dataTags).toEqual([
        ObisCode.POSITIVE_ACTIVE_ENERGY,
        ObisCode.POSITIVE_ACTIVE_INSTANTANEOUS_POWER,
      ]);
      expect(claims.deliveryEndpoint).toBe(dr.deliveryEndpoint);
      const end = permission?.end === undefined ? 0 : timestampDate(permission.end).getTime();
      expect(claims.end.getTime()).toBe(Math.ceil(end / 1000) * 1000);
    }
    const pending = await database.db
      .selectFrom("outbox")
      .select("target")
      .where("done_at", "is", null)
      .where(
        "target",
        "in",
        forAlice.instances.map((i) => i.instanceId),
      )
      .execute();
    expect(pending).toHaveLength(2);

    const epView = await api.as("ep").client(AccessService).getPermission({ id: forAlice.id });
    expect(epView.permission?.customerName).toBe("");
    expect(epView.events.map((e) => [e.fromState, e.toState, e.actor])).toEqual([
      [PermissionState.UNSPECIFIED, PermissionState.REQUESTED, "eligible-party"],
      [PermissionState.REQUESTED, PermissionState.APPROVED, "customer"],
    ]);
    const shared = await api.as("ep2").client(NotificationService).listNotifications({});
    expect(
      shared.notifications.some(
        (n) => n.permissionId === forAlice.id && n.kind === NotificationKind.PERMISSION_APPROVED,
      ),
    ).toBe(true);
  });

  it("lets the customer reject with a reason the EP reads", async () => {
    const { forBob } = await askAccess();
    const { permission } = await api
      .as("bob")
      .client(AccessService)
      .rejectPermission({ id: forBob.id, reason: "not now" });
    expect(permission?.state).toBe(PermissionState.REJECTED);
    const inbox = await api.as("ep").client(NotificationService).listNotifications({});
    const note = inbox.notifications.find(
      (n) => n.permissionId === forBob.id && n.kind === NotificationKind.PERMISSION_REJECTED,
    );
    expect(note?.body).toContain("not now");
    const epView = await api.as("ep").client(AccessService).getPermission({ id: forBob.id });
    expect(epView.permission?.reason).toBe("not now");
  });

  it("never lets a customer see or decide another customer's request", async () => {
    const { forAlice } = await askAccess();
    const mallory = api.as("mallory").client(AccessService);
    expect(await codeOf(mallory.approvePermission({ id: forAlice.id }))).toBe(Code.NotFound);
    expect(await codeOf(mallory.rejectPermission({ id: forAlice.id }))).toBe(Code.NotFound);
    expect(await codeOf(mallory.getPermission({ id: forAlice.id }))).toBe(Code.NotFound);
    expect(await codeOf(mallory.revokePermission({ id: forAlice.id }))).toBe(Code.NotFound);
    expect(
      await codeOf(api.as("rival").client(AccessService).getPermission({ id: forAlice.id })),
    ).toBe(Code.NotFound);
    expect(
      await codeOf(api.as("ep").client(AccessService).approvePermission({ id: forAlice.id })),
    ).toBe(Code.PermissionDenied);
    const mine = await mallory.listPermissions({});
    expect(mine.permissions).toEqual([]);
    const still = await api.as("alice").client(AccessService).getPermission({ id: forAlice.id });
    expect(still.permission?.state).toBe(PermissionState.REQUESTED);
  });

  it("refuses approving after revocation or expiry with FAILED_PRECONDITION", async () => {
    const first = await askAccess();
    const alice = api.as("alice").client(AccessService);
    await alice.approvePermission({ id: first.forAlice.id });
    const revoked = await alice.revokePermission({
      id: first.forAlice.id,
      reason: "changed my mind",
    });
    expect(revoked.permission?.state).toBe(PermissionState.REVOKED);
    expect(await codeOf(alice.approvePermission({ id: first.forAlice.id }))).toBe(
      Code.FailedPrecondition,
    );
    expect(await codeOf(alice.revokePermission({ id: first.forAlice.id }))).toBe(
      Code.FailedPrecondition,
    );

    const second = await askAccess();
    clock += 4 * 86_400_000;
    const bob = api.as("bob").client(AccessService);
    expect(await codeOf(bob.approvePermission({ id: second.forBob.id }))).toBe(
      Code.FailedPrecondition,
    );
    const after = await bob.getPermission({ id: second.forBob.id });
    expect(after.permission?.state).toBe(PermissionState.EXPIRED);
    expect(after.events.at(-1)?.actor).toBe("marketplace");
  });

  it("grants only instances the customer still holds at approval", async () => {
    const { forAlice, forBob, suffix } = await askAccess();
    await database.db
      .updateTable("aiida_instance")
      .set({ claimed_by: null, claimed_at: null })
      .where("instance_id", "in", [`a1-${suffix}`, `b1-${suffix}`])
      .execute();
    const { permission } = await api
      .as("alice")
      .client(AccessService)
      .approvePermission({ id: forAlice.id });
    const states = new Map(permission?.instances.map((i) => [i.instanceId, i.state]));
    expect(states.get(`a1-${suffix}`)).toBe(3);
    expect(states.get(`a2-${suffix}`)).toBe(1);
    const grants = await database.db
      .selectFrom("permission_instance")
      .select(["instance_id", "grant"])
      .where("permission_id", "=", forAlice.id)
      .where("grant", "is not", null)
      .execute();
    expect(grants.map((g) => g.instance_id)).toEqual([`a2-${suffix}`]);
    expect(
      await codeOf(api.as("bob").client(AccessService).approvePermission({ id: forBob.id })),
    ).toBe(Code.FailedPrecondition);
  });

  it("drops delivered outbox commands after a week", async () => {
    const { forBob } = await askAccess();
    const instanceId = forBob.instances[0]?.instanceId ?? "";
    await api.as("bob").client(AccessService).approvePermission({ id: forBob.id });
    await database.db
      .updateTable("outbox")
      .set({ done_at: new Date(clock) })
      .where("target", "=", instanceId)
      .execute();
    clock += 8 * 86_400_000;
    await module.lifecycle.sweep();
    const left = await database.db
      .selectFrom("outbox")
      .select("id")
      .where("target", "=", instanceId)
      .execute();
    expect(left).toEqual([]);
  });

  it("expires unanswered requests in the sweep and tells both sides", async () => {
    const { forAlice, forBob } = await askAccess();
    clock += 3 * 86_400_000 + 1000;
    const swept = await module.lifecycle.sweep();
    expect(swept.expired).toBeGreaterThanOrEqual(2);
    const p = await api.as("alice").client(AccessService).getPermission({ id: forAlice.id });
    expect(p.permission?.state).toBe(PermissionState.EXPIRED);
    const customerNotes = await api.as("bob").client(NotificationService).listNotifications({});
    expect(
      customerNotes.notifications.some(
        (n) => n.permissionId === forBob.id && n.kind === NotificationKind.PERMISSION_EXPIRED,
      ),
    ).toBe(true);
  });

  it("walks configuring → active → revoked with the instances, stopping them", async () => {
    const { forBob } = await askAccess();
    const instanceId = forBob.instances[0]?.instanceId ?? "";
    const bob = api.as("bob").client(AccessService);
    await bob.approvePermission({ id: forBob.id });
    // Offline at approval: nothing is sent, the permission waits approved.
    expect(channel.sent.some((s) => s.instanceId === instanceId)).toBe(false);
    channel.attach(instanceId);
    await channel.waitFor(
      (s) => s.instanceId === instanceId && s.message.message?.case === "configurePermission",
    );
    await eventually(async () => {
      const p = await bob.getPermission({ id: forBob.id });
      expect(p.permission?.state).toBe(PermissionState.CONFIGURING);
    });
    channel.report(instanceId, {
      case: "permissionAck",
      value: { permissionId: forBob.id, accepted: true, reason: "" } as never,
    });
    await eventually(async () => {
      const p = await bob.getPermission({ id: forBob.id });
      expect(p.permission?.state).toBe(PermissionState.ACTIVE);
      expect(p.permission?.instances[0]?.state).toBe(2);
    });
    await database.db
      .insertInto("account")
      .values({ subject: "bob", role: "customer", display_name: "Bob Household" })
      .onConflict((oc) => oc.column("subject").doNothing())
      .execute();
    const ep = api.as("ep").client(AccessService);
    const visible = await ep.getPermission({ id: forBob.id });
    expect(visible.permission?.customerName).toBe("Bob Household");

    await bob.revokePermission({ id: forBob.id });
    await channel.waitFor(
      (s) => s.instanceId === instanceId && s.message.message?.case === "stopPermission",
    );
    channel.report(instanceId, {
      case: "permissionStatus",
      value: {
        permissionId: forBob.id,
        status: DeliveryStatus.STOPPED,
        detail: "stopped",
      } as never,
    });
    await eventually(async () => {
      const p = await bob.getPermission({ id: forBob.id });
      expect(p.permission?.instances[0]?.state).toBe(4);
    });
    const pending = await database.db
      .selectFrom("outbox")
      .select("id")
      .where("target", "=", instanceId)
      .where("done_at", "is", null)
      .execute();
    expect(pending).toEqual([]);
    const trail = (await bob.getPermission({ id: forBob.id })).events.map((e) => e.toState);
    expect(trail).toEqual([
      PermissionState.REQUESTED,
      PermissionState.APPROVED,
      PermissionState.CONFIGURING,
      PermissionState.ACTIVE,
      PermissionState.REVOKED,
    ]);
    const epNotes = await api.as("ep").client(NotificationService).listNotifications({});
    expect(
      epNotes.notifications.some(
        (n) => n.permissionId === forBob.id && n.kind === NotificationKind.PERMISSION_REVOKED,
      ),
    ).toBe(true);
  });

  it("fulfils a permission when its instances report the period over, telling both sides", async () => {
    const { forBob } = await askAccess();
    const instanceId = forBob.instances[0]?.instanceId ?? "";
    channel.attach(instanceId);
    const bob = api.as("bob").client(AccessService);
    await bob.approvePermission({ id: forBob.id });
    await channel.waitFor((s) => s.instanceId === instanceId);
    channel.report(instanceId, {
      case: "permissionAck",
      value: { permissionId: forBob.id, accepted: true, reason: "" } as never,
    });
    channel.report(instanceId, {
      case: "permissionStatus",
      value: {
        permissionId: forBob.id,
        status: DeliveryStatus.FULFILLED,
        detail: "the granted period ended",
      } as never,
    });
    await eventually(async () => {
      const p = await bob.getPermission({ id: forBob.id });
      expect(p.permission?.state).toBe(PermissionState.FULFILLED);
    });
    for (const who of ["bob", "ep"] as const) {
      const inbox = await api.as(who).client(NotificationService).listNotifications({});
      expect(
        inbox.notifications.some(
          (n) => n.permissionId === forBob.id && n.kind === NotificationKind.PERMISSION_FULFILLED,
        ),
      ).toBe(true);
    }
  });

  it("fulfils in the sweep once the period ends, and tells the instances to stop", async () => {
    const { forBob } = await askAccess();
    const instanceId = forBob.instances[0]?.instanceId ?? "";
    await api.as("bob").client(AccessService).approvePermission({ id: forBob.id });
    clock += 11 * 86_400_000;
    const swept = await module.lifecycle.sweep();
    expect(swept.fulfilled).toBeGreaterThanOrEqual(1);
    const p = await api.as("bob").client(AccessService).getPermission({ id: forBob.id });
    expect(p.permission?.state).toBe(PermissionState.FULFILLED);
    channel.attach(instanceId);
    const stop = await channel.waitFor(
      (s) => s.instanceId === instanceId && s.message.message?.case === "stopPermission",
    );
    expect(stop).toBeDefined();
  });

  it("stops and revokes when the customer releases the instance", async () => {
    const { forBob } = await askAccess();
    const instanceId = forBob.instances[0]?.instanceId ?? "";
    channel.attach(instanceId);
    await api.as("bob").client(AccessService).approvePermission({ id: forBob.id });
    await channel.waitFor((s) => s.instanceId === instanceId);
    // The release transaction (InstanceService) calls the hook, then wakes the relay.
    await database.db.transaction().execute(async (tx) => {
      await tx
        .updateTable("aiida_instance")
        .set({ claimed_by: null, claimed_at: null })
        .where("instance_id", "=", instanceId)
        .execute();
      await module.lifecycle.instanceReleased(tx, instanceId);
    });
    module.lifecycle.wake();
    const stop = await channel.waitFor(
      (s) => s.instanceId === instanceId && s.message.message?.case === "stopPermission",
    );
    expect(stop).toBeDefined();
    const p = await api.as("ep").client(AccessService).getPermission({ id: forBob.id });
    expect(p.permission?.state).toBe(PermissionState.REVOKED);
    expect(p.events.at(-1)?.reason).toContain("released");
  });

  it("fails a permission whose every instance refuses the grant", async () => {
    const { forBob } = await askAccess();
    const instanceId = forBob.instances[0]?.instanceId ?? "";
    channel.attach(instanceId);
    await api.as("bob").client(AccessService).approvePermission({ id: forBob.id });
    await channel.waitFor((s) => s.instanceId === instanceId);
    channel.report(instanceId, {
      case: "permissionAck",
      value: { permissionId: forBob.id, accepted: false, reason: "no such data source" } as never,
    });
    await eventually(async () => {
      const p = await api.as("bob").client(AccessService).getPermission({ id: forBob.id });
      expect(p.permission?.state).toBe(PermissionState.FAILED);
      expect(p.permission?.reason).toContain("no such data source");
    });
  });

  it("lets the EP terminate an active permission and tells the customer", async () => {
    const { forBob } = await askAccess();
    const instanceId = forBob.instances[0]?.instanceId ?? "";
    await api.as("bob").client(AccessService).approvePermission({ id: forBob.id });
    const ep = api.as("ep").client(AccessService);
    expect(
      await codeOf(api.as("rival").client(AccessService).terminatePermission({ id: forBob.id })),
    ).toBe(Code.NotFound);
    const { permission } = await ep.terminatePermission({ id: forBob.id, reason: "project ended" });
    expect(permission?.state).toBe(PermissionState.TERMINATED);
    channel.attach(instanceId);
    const stop = await channel.waitFor(
      (s) => s.instanceId === instanceId && s.message.message?.case === "stopPermission",
    );
    expect(stop).toBeDefined();
    // The grant never left: it was withdrawn from the outbox when the permission ended.
    expect(
      channel.sent.some(
        (s) => s.instanceId === instanceId && s.message.message?.case === "configurePermission",
      ),
    ).toBe(false);
    const notes = await api
      .as("bob")
      .client(NotificationService)
      .listNotifications({ unreadOnly: true });
    expect(
      notes.notifications.some(
        (n) => n.permissionId === forBob.id && n.kind === NotificationKind.PERMISSION_TERMINATED,
      ),
    ).toBe(true);
  });

  it("lists permissions by state, newest change first, page by page", async () => {
    await askAccess();
    await askAccess();
    const alice = api.as("alice").client(AccessService);
    const first = await alice.listPermissions({ pageSize: 1, states: [PermissionState.REQUESTED] });
    expect(first.permissions).toHaveLength(1);
    expect(first.nextPageToken).not.toBe("");
    const second = await alice.listPermissions({
      pageSize: 1,
      states: [PermissionState.REQUESTED],
      pageToken: first.nextPageToken,
    });
    expect(second.permissions[0]?.id).not.toBe(first.permissions[0]?.id);
    expect(await codeOf(alice.listPermissions({ pageToken: "garbage" }))).toBe(
      Code.InvalidArgument,
    );
  });

  it("streams notifications live, resumes after an ID, and sends heartbeats", async () => {
    const abort = new AbortController();
    const stream = api.as("ep").client(NotificationService).subscribe({}, { signal: abort.signal });
    const iterator = stream[Symbol.asyncIterator]();
    // The first heartbeat proves the subscription is listening.
    const first = await iterator.next();
    expect(first.value?.event.case).toBe("heartbeat");
    const unread = (await api.as("ep").client(NotificationService).listNotifications({}))
      .unreadCount;
    expect(first.value?.event.value).toMatchObject({ unreadCount: unread });
    const { forBob } = await askAccess();
    await api.as("bob").client(AccessService).rejectPermission({ id: forBob.id });
    let live: string | undefined;
    for (;;) {
      const next = await iterator.next();
      if (next.value?.event.case === "notification") {
        expect(next.value.event.value.permissionId).toBe(forBob.id);
        expect(next.value.event.value.kind).toBe(NotificationKind.PERMISSION_REJECTED);
        live = next.value.event.value.id;
        break;
      }
    }
    abort.abort();

    // Away: two more things happen; resuming after the last seen ID replays both.
    const more = await askAccess();
    await api.as("bob").client(AccessService).rejectPermission({ id: more.forBob.id });
    await api.as("alice").client(AccessService).rejectPermission({ id: more.forAlice.id });
    const resume = new AbortController();
    const replay = api
      .as("ep2")
      .client(NotificationService)
      .subscribe({ afterId: live }, { signal: resume.signal });
    const seen: string[] = [];
    for await (const event of replay) {
      if (event.event.case === "notification") seen.push(event.event.value.permissionId);
      if (seen.length === 2) break;
    }
    resume.abort();
    expect(seen.sort()).toEqual([more.forAlice.id, more.forBob.id].sort());

    const inbox = api.as("ep").client(NotificationService);
    const before = await inbox.listNotifications({ unreadOnly: true });
    expect(before.unreadCount).toBeGreaterThan(0);
    const after = await inbox.markRead({ upToId: before.notifications[0]?.id ?? "" });
    expect(after.unreadCount).toBe(0);
  });
});

async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
