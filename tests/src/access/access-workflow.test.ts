import { create } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  DeliverRequestSchema,
  type DeliverResponse,
  IngestService,
  InstanceDeliveryState,
  NotificationKind,
  PermissionState,
  requestAccess,
  subscribe,
} from "@eddie-marketplace/sdk";
import { grpcServiceDefinition } from "@eddie-marketplace/sdk/grpc-js";
import * as grpc from "@grpc/grpc-js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SignedIn } from "../harness/iam.js";
import type { RunningProgram } from "../harness/program.js";
import { freshStateDir, type NodeReady } from "../mesh/mesh-programs.js";
import { AccessSystem, receivedLines, recordsFor } from "./access-system.js";

async function codeOf(p: Promise<unknown>): Promise<Code | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return ConnectError.from(e).code;
  }
}

// All six seed workflows in order, with real processes: the IAM, the
// Marketplace (PostgreSQL when the run has it), three AIIDA nodes (one per
// household) and the demo EP receiver. Then the hard cases of configuring
// access: a household offline at approval, and a Marketplace restart between
// approval and configuration.
describe("asking for access, end to end", () => {
  const system = new AccessSystem();
  let receiver: RunningProgram<{ port: number }>;
  let alice: SignedIn;
  let bob: SignedIn;
  let carol: SignedIn;
  let ep: SignedIn;
  const nodes: Record<
    "alice" | "bob" | "carol",
    { program: RunningProgram<NodeReady>; stateDir: string; instanceId: string }
  > = {} as never;
  let dataRequestId = "";
  let runId = "";
  const permissionOf: Record<string, string> = {};

  beforeAll(async () => {
    await system.start();
    // Workflow 1: accounts at the IAM, introduced to the Marketplace.
    [alice, bob, carol, ep] = await Promise.all([
      system.person("customer", "Alice Household"),
      system.person("customer", "Bob Household"),
      system.person("customer", "Carol Household"),
      system.person("eligible_party", "Acme Energy"),
    ]);
    receiver = await system.startReceiver(ep.organisationId ?? "");
    const [a, b, c] = await Promise.all([
      system.startNode("aiida-alice"),
      system.startNode("aiida-bob"),
      system.startNode("aiida-carol", freshStateDir("aiida-carol")),
    ]);
    nodes.alice = a;
    nodes.bob = b;
    nodes.carol = c;
  });
  afterAll(() => system.stop());

  it("walks accounts, claiming, browsing, creating, searching and asking access", async () => {
    // Workflow 2: each household claims its instance with the code it shows.
    for (const [who, node] of [
      [alice, nodes.alice],
      [bob, nodes.bob],
      [carol, nodes.carol],
    ] as const) {
      const { instance } = await system.claim(who, node.program, node.instanceId);
      expect(instance?.instanceId).toBe(node.instanceId);
    }
    // Workflow 4: the EP creates and publishes a request delivering to its receiver.
    dataRequestId = await system.publishRequest(ep, `http://127.0.0.1:${receiver.ready.port}`);
    // Workflow 3: a customer browses and finds it.
    const browse = await system
      .as(alice)
      .catalog.listDataRequests({ filter: { countries: ["AT"] } });
    expect(browse.dataRequests.map((d) => d.id)).toContain(dataRequestId);
    // Workflow 5: the search finds all three households.
    const found = await system.search(ep, dataRequestId);
    runId = found.runId;
    expect(found.matches).toEqual(
      [nodes.alice.instanceId, nodes.bob.instanceId, nodes.carol.instanceId].sort(),
    );
    // Workflow 6: asking access notifies each household once; asking again is idempotent.
    // Alice's app is subscribed from an empty inbox (after_id 0), so nothing can slip by.
    const aliceInbox = new AbortController();
    const live = subscribe(system.as(alice), { afterId: "0", signal: aliceInbox.signal })[
      Symbol.asyncIterator
    ]();
    const asked = await requestAccess(system.as(ep), runId);
    expect(asked.requestsSent).toBe(3);
    const again = await requestAccess(system.as(ep), runId);
    expect(again).toMatchObject({ requestsSent: 0, alreadyRequested: 3 });
    for (const p of asked.permissions) {
      const instance = p.instances[0]?.instanceId ?? "";
      const owner = Object.entries(nodes).find(([, n]) => n.instanceId === instance)?.[0];
      if (owner) permissionOf[owner] = p.id;
    }
    const first = await live.next();
    expect(first.value?.kind).toBe(NotificationKind.ACCESS_REQUESTED);
    expect(first.value?.permissionId).toBe(permissionOf.alice);
    aliceInbox.abort();
    await live.return(undefined);
  });

  it("delivers only from the household that approved, and stops on revocation", async () => {
    const epInbox = system.as(ep).notifications;
    // The request as the household sees it: who asks, why, what, for how long.
    const seen = await system.as(alice).access.getPermission({ id: permissionOf.alice ?? "" });
    expect(seen.permission?.organisation?.name).toContain("Acme Energy");
    expect(seen.permission?.dataRequest?.dataNeed?.purpose).not.toBe("");
    expect(seen.permission?.dataRequest?.dataNeed?.policyLink).toMatch(/^https:/);

    // Nobody decides for another household.
    expect(
      await codeOf(system.as(bob).access.approvePermission({ id: permissionOf.alice ?? "" })),
    ).toBe(Code.NotFound);

    await system.as(alice).access.approvePermission({ id: permissionOf.alice ?? "" });
    await system
      .as(bob)
      .access.rejectPermission({ id: permissionOf.bob ?? "", reason: "not interested" });

    const active = await system.permissionIn(
      alice,
      permissionOf.alice ?? "",
      PermissionState.ACTIVE,
    );
    expect(active.instances[0]?.state).toBe(InstanceDeliveryState.DELIVERING);
    const lines = await recordsFor(receiver, permissionOf.alice ?? "");
    expect(lines[0]?.instance).toBe(nodes.alice.instanceId);
    const notes = await epInbox.listNotifications({});
    const kinds = notes.notifications.map((n) => n.kind);
    expect(kinds).toEqual(
      expect.arrayContaining([
        NotificationKind.PERMISSION_APPROVED,
        NotificationKind.PERMISSION_REJECTED,
        NotificationKind.PERMISSION_ACTIVE,
      ]),
    );

    // Revocation: the node stops and reports it; nothing arrives after.
    const revokedAt = Date.now();
    await system.as(alice).access.revokePermission({ id: permissionOf.alice ?? "" });
    await expectStopped(alice, permissionOf.alice ?? "");
    const stoppedSeenAt = Date.now();
    expect(stoppedSeenAt - revokedAt).toBeLessThan(5_000);
    // The receiver prints once a second; give it two more before looking.
    await new Promise((r) => setTimeout(r, 2_500));
    const late = receivedLines(receiver).filter(
      (l) => l.permission === permissionOf.alice && l.lastReceivedAt > stoppedSeenAt,
    );
    expect(late).toEqual([]);
    // Only the approving household's instance ever delivered.
    const senders = new Set(receivedLines(receiver).map((l) => l.instance));
    expect([...senders]).toEqual([nodes.alice.instanceId]);
    expect(receivedLines(receiver).some((l) => l.permission === permissionOf.bob)).toBe(false);

    // Approving after revocation is refused.
    expect(
      await codeOf(system.as(alice).access.approvePermission({ id: permissionOf.alice ?? "" })),
    ).toBe(Code.FailedPrecondition);
    const trail = await system.as(ep).access.getPermission({ id: permissionOf.alice ?? "" });
    expect(trail.events.map((e) => e.toState)).toEqual([
      PermissionState.REQUESTED,
      PermissionState.APPROVED,
      PermissionState.CONFIGURING,
      PermissionState.ACTIVE,
      PermissionState.REVOKED,
    ]);
  });

  it("configures a household that was offline at approval, across a Marketplace restart", async () => {
    const carolsId = permissionOf.carol ?? "";
    // Carol's home is offline when she approves.
    await nodes.carol.program.stop();
    await system.as(carol).access.approvePermission({ id: carolsId });
    const approved = await system.as(carol).access.getPermission({ id: carolsId });
    expect(approved.permission?.state).toBe(PermissionState.APPROVED);
    expect(approved.permission?.instances[0]?.state).toBe(InstanceDeliveryState.PENDING);

    // The Marketplace restarts before the grant could reach the node.
    expect(await system.mp.stop()).toBe(0);
    await system.startMarketplace();

    // The node comes back: the grant still waiting in the outbox reaches it.
    nodes.carol = await system.startNode("aiida-carol", nodes.carol.stateDir);
    const active = await system.permissionIn(carol, carolsId, PermissionState.ACTIVE, 30_000);
    expect(active.instances[0]?.state).toBe(InstanceDeliveryState.DELIVERING);
    const lines = await recordsFor(receiver, carolsId, 30_000);
    expect(lines[0]?.instance).toBe(nodes.carol.instanceId);

    // Node and Marketplace agree after the node restarts: it resumes delivering.
    await nodes.carol.program.stop();
    const before = receivedLines(receiver).filter((l) => l.permission === carolsId).length;
    nodes.carol = await system.startNode("aiida-carol", nodes.carol.stateDir);
    const deadline = Date.now() + 20_000;
    while (receivedLines(receiver).filter((l) => l.permission === carolsId).length <= before) {
      if (Date.now() > deadline) throw new Error("the restarted node did not resume delivering");
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await system.as(carol).access.getPermission({ id: carolsId })).permission?.state).toBe(
      PermissionState.ACTIVE,
    );

    // The EP terminates; the node stops.
    await system.as(ep).access.terminatePermission({ id: carolsId, reason: "study over" });
    await expectStopped(carol, carolsId);
  });

  it.skipIf(process.env.TEST_DATABASE_URL === undefined)(
    "has the node refuse an altered grant, even one coming down its own stream",
    async () => {
      // Someone with write access to the Marketplace's database re-targets
      // Alice's signed grant at Bob's instance, for Bob's rejected permission.
      const db = new pg.Client({ connectionString: system.databaseUrl });
      await db.connect();
      try {
        const { rows } = await db.query<{ grant: string }>(
          'select "grant" from permission_instance where permission_id = $1',
          [permissionOf.alice],
        );
        const [header, payload, signature] = (rows[0]?.grant ?? "").split(".");
        const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as Record<
          string,
          unknown
        >;
        claims.sub = permissionOf.bob;
        claims.instance_id = nodes.bob.instanceId;
        const altered = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
        await db.query(
          "insert into outbox (topic, target, payload) values ('aiida.command', $1, $2)",
          [
            nodes.bob.instanceId,
            JSON.stringify({ kind: "configure", permissionId: permissionOf.bob, grant: altered }),
          ],
        );
      } finally {
        await db.end();
      }
      // The relay sends it; the node checks the signature and refuses.
      const deadline = Date.now() + 15_000;
      for (;;) {
        const { permission } = await system
          .as(bob)
          .access.getPermission({ id: permissionOf.bob ?? "" });
        const instance = permission?.instances[0];
        if (instance?.state === InstanceDeliveryState.FAILED) {
          expect(instance.detail).toContain("signature");
          expect(permission?.state).toBe(PermissionState.REJECTED);
          break;
        }
        if (Date.now() > deadline) throw new Error("the node did not answer the altered grant");
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(receivedLines(receiver).some((l) => l.instance === nodes.bob.instanceId)).toBe(false);
    },
  );

  it("refuses a forged grant at the receiver", async () => {
    const client = new (grpc.makeGenericClientConstructor(
      grpcServiceDefinition(IngestService) as grpc.ServiceDefinition,
      "IngestService",
    ))(`127.0.0.1:${receiver.ready.port}`, grpc.credentials.createInsecure());
    const call = (
      client as unknown as { deliver(): grpc.ClientDuplexStream<unknown, DeliverResponse> }
    ).deliver();
    const header = Buffer.from(JSON.stringify({ alg: "EdDSA", typ: "eddie-grant+jwt" })).toString(
      "base64url",
    );
    const body = Buffer.from(JSON.stringify({ sub: "p", aud: ep.organisationId })).toString(
      "base64url",
    );
    const code = new Promise<grpc.status>((resolve) => {
      call.on("error", (e: grpc.ServiceError) => resolve(e.code));
      call.on("data", () => {});
    });
    call.write(
      create(DeliverRequestSchema, {
        message: { case: "open", value: { grant: `${header}.${body}.${"A".repeat(86)}` } },
      }),
    );
    expect(await code).toBe(grpc.status.UNAUTHENTICATED);
    client.close();
  });

  async function expectStopped(who: SignedIn, id: string): Promise<void> {
    const { access } = system.as(who);
    const deadline = Date.now() + 5_000;
    for (;;) {
      const { permission } = await access.getPermission({ id });
      if (permission?.instances.every((i) => i.state === InstanceDeliveryState.STOPPED)) return;
      if (Date.now() > deadline) throw new Error("the node did not report stopping within 5 s");
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});
