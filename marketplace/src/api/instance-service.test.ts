import { Code, ConnectError } from "@connectrpc/connect";
import { InstanceService } from "@eddie-marketplace/gen";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerPrincipal, epPrincipal } from "../auth/testing.js";
import type { DatabaseHandle } from "../db/database.js";
import { openTestDatabase, testDatabaseKinds } from "../db/test-database.js";
import {
  attached,
  connectTestNode,
  startTestMesh,
  type TestMesh,
  type TestNode,
  testIdentity,
} from "../mesh/testing.js";
import { instanceService } from "./instance-service.js";
import { inMemoryApi } from "./testing.js";

async function codeOf(err: Promise<unknown>): Promise<Code | undefined> {
  try {
    await err;
    return undefined;
  } catch (e) {
    return ConnectError.from(e).code;
  }
}

describe.each(testDatabaseKinds())("claiming AIIDA instances (%s)", (kind) => {
  let database: DatabaseHandle;
  let mesh: TestMesh;
  let api: ReturnType<typeof inMemoryApi>;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
    mesh = await startTestMesh(database.db);
    api = inMemoryApi(
      (router) =>
        router.service(
          InstanceService,
          instanceService({
            db: database.db,
            registry: mesh.registry,
            claimChanged: (id, claimed) => mesh.mesh.claimChanged(id, claimed),
            pairing: { codeTtlMs: 60_000, maxFailedAttempts: 3, lockMs: 60_000 },
          }),
        ),
      {
        alice: customerPrincipal("alice"),
        bob: customerPrincipal("bob"),
        acme: epPrincipal("ep-1", "acme"),
      },
    );
  });
  afterAll(async () => {
    await mesh?.close();
    await database?.close();
  });

  async function newNode(): Promise<{ node: TestNode; code: string }> {
    const identity = await testIdentity();
    const node = await connectTestNode(mesh.target, { identity });
    const welcome = await node.next("welcome");
    await attached(mesh.registry, identity.instanceId);
    return { node, code: welcome.pairingCode?.code ?? "" };
  }

  it("claims an instance with its ID and code, tells the instance, and a second customer cannot claim it", async () => {
    const { node, code } = await newNode();
    const alice = api.as("alice").client(InstanceService);
    const { instance } = await alice.claimInstance({
      instanceId: node.instanceId,
      pairingCode: code.toLowerCase().replaceAll("-", " "),
    });
    expect(instance).toMatchObject({
      instanceId: node.instanceId,
      online: true,
      peerAddress: "127.0.0.1",
    });
    expect((await node.next("claimStatus")).claimed).toBe(true);

    const bob = api.as("bob").client(InstanceService);
    expect(
      await codeOf(bob.claimInstance({ instanceId: node.instanceId, pairingCode: code })),
    ).toBe(Code.FailedPrecondition);
    expect((await bob.listInstances({})).instances).toHaveLength(0);
    expect(await codeOf(bob.getInstance({ instanceId: node.instanceId }))).toBe(Code.NotFound);
    expect(await codeOf(bob.releaseInstance({ instanceId: node.instanceId }))).toBe(Code.NotFound);

    const mine = await alice.listInstances({});
    expect(mine.instances.map((i) => i.instanceId)).toEqual([node.instanceId]);
    node.close();
  });

  it("never claims with a wrong code, and locks the instance after a few wrong tries", async () => {
    const { node, code } = await newNode();
    const bob = api.as("bob").client(InstanceService);
    const wrong = code === "AAA-AAA-AAA" ? "BBB-BBB-BBB" : "AAA-AAA-AAA";
    expect(
      await codeOf(bob.claimInstance({ instanceId: node.instanceId, pairingCode: wrong })),
    ).toBe(Code.InvalidArgument);
    expect(
      await codeOf(bob.claimInstance({ instanceId: node.instanceId, pairingCode: wrong })),
    ).toBe(Code.InvalidArgument);
    expect(
      await codeOf(bob.claimInstance({ instanceId: node.instanceId, pairingCode: wrong })),
    ).toBe(Code.ResourceExhausted);
    // Locked: even the right code is refused now.
    expect(
      await codeOf(bob.claimInstance({ instanceId: node.instanceId, pairingCode: code })),
    ).toBe(Code.ResourceExhausted);
    expect((await bob.listInstances({})).instances).toHaveLength(0);
    node.close();
  });

  it("answers an unknown ID exactly like a wrong code", async () => {
    const alice = api.as("alice").client(InstanceService);
    let message = "";
    try {
      await alice.claimInstance({
        instanceId: "00000000-0000-4000-8000-000000000000",
        pairingCode: "ABC-DEF-GHJ",
      });
    } catch (e) {
      message = ConnectError.from(e).rawMessage;
      expect(ConnectError.from(e).code).toBe(Code.InvalidArgument);
    }
    expect(message).toContain("don't match");
  });

  it("uses a code once: after a release the instance shows a new code and the old one fails", async () => {
    const { node, code } = await newNode();
    const alice = api.as("alice").client(InstanceService);
    await alice.claimInstance({ instanceId: node.instanceId, pairingCode: code });
    await node.next("claimStatus");
    await alice.releaseInstance({ instanceId: node.instanceId });
    expect((await node.next("claimStatus")).claimed).toBe(false);
    const fresh = await node.next("pairingCode");
    expect(fresh.code).not.toBe(code);

    const bob = api.as("bob").client(InstanceService);
    expect(
      await codeOf(bob.claimInstance({ instanceId: node.instanceId, pairingCode: code })),
    ).toBe(Code.InvalidArgument);
    const { instance } = await bob.claimInstance({
      instanceId: node.instanceId,
      pairingCode: fresh.code,
    });
    expect(instance?.instanceId).toBe(node.instanceId);
    node.close();
  });

  it("keeps eligible parties out", async () => {
    const acme = api.as("acme").client(InstanceService);
    expect(await codeOf(acme.listInstances({}))).toBe(Code.PermissionDenied);
  });
});
