import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../api/errors.js";
import type { DatabaseHandle } from "../db/database.js";
import { openTestDatabase, testDatabaseKinds } from "../db/test-database.js";
import { claimInstance } from "../instances/instance-claiming.js";
import { findInstance } from "../instances/instance-repository.js";
import { pingTicksPerInterval } from "./attach-service.js";
import {
  attached,
  connectTestNode,
  detached,
  helloProof,
  startTestMesh,
  type TestMesh,
  testIdentity,
} from "./testing.js";

describe.each(testDatabaseKinds())("registering AIIDA instances (%s)", (kind) => {
  let database: DatabaseHandle;
  let mesh: TestMesh;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
    mesh = await startTestMesh(database.db, { pingIntervalMs: 200 });
  });
  afterAll(async () => {
    await mesh?.close();
    await database?.close();
  });

  it("welcomes a new instance with a pairing code and stores it online with its peer address", async () => {
    const identity = await testIdentity();
    const node = await connectTestNode(mesh.target, { identity });
    const welcome = await node.next("welcome");
    expect(welcome.claimed).toBe(false);
    expect(welcome.pairingCode?.code).toMatch(/^[2-9A-Z]{3}-[2-9A-Z]{3}-[2-9A-Z]{3}$/);
    expect(Number(welcome.pairingCode?.expiresAt?.seconds)).toBeGreaterThan(Date.now() / 1000);
    await attached(mesh.registry, identity.instanceId);
    const row = await findInstance(database.db, identity.instanceId);
    expect(row).toMatchObject({
      online: true,
      peer_address: "127.0.0.1",
      version: "test-1.0",
      advertised_address: "http://192.168.1.20:8080",
      claimed_by: null,
    });
    node.close();
    await detached(mesh.registry, identity.instanceId);
  });

  it("pings attached instances and keeps those that answer", async () => {
    const identity = await testIdentity();
    const node = await connectTestNode(mesh.target, { identity });
    await node.next("welcome");
    const first = await node.next("ping");
    const second = await node.next("ping");
    expect(second.nonce).toBeGreaterThan(first.nonce);
    expect(mesh.registry.isOnline(identity.instanceId)).toBe(true);
    node.close();
  });

  it("refuses a different key for a known instance ID with PERMISSION_DENIED and keeps the first key", async () => {
    const owner = await testIdentity();
    const first = await connectTestNode(mesh.target, { identity: owner });
    await first.next("welcome");
    const pinned = (await findInstance(database.db, owner.instanceId))?.key_thumbprint;
    first.close();
    await detached(mesh.registry, owner.instanceId);

    const impostor = await testIdentity(owner.instanceId);
    const second = await connectTestNode(mesh.target, { identity: impostor });
    const ended = await second.ended;
    expect(ended.code).toBe(status.PERMISSION_DENIED);
    expect(second.received).toHaveLength(0);
    expect(mesh.registry.isOnline(owner.instanceId)).toBe(false);
    expect((await findInstance(database.db, owner.instanceId))?.key_thumbprint).toBe(pinned);

    const again = await connectTestNode(mesh.target, { identity: owner });
    expect((await again.next("welcome")).claimed).toBe(false);
    again.close();
  });

  it("refuses a proof not signed by the presented key with UNAUTHENTICATED", async () => {
    const identity = await testIdentity();
    const other = await testIdentity(identity.instanceId);
    const node = await connectTestNode(mesh.target, {
      identity,
      hello: { proof: await helloProof(other) },
    });
    expect((await node.ended).code).toBe(status.UNAUTHENTICATED);
    expect(await findInstance(database.db, identity.instanceId)).toBeUndefined();
  });

  it("refuses a proof for another audience or living longer than five minutes", async () => {
    const identity = await testIdentity();
    const wrongAudience = await connectTestNode(mesh.target, {
      identity,
      hello: { proof: await helloProof(identity, { audience: "someone-else" }) },
    });
    expect((await wrongAudience.ended).code).toBe(status.UNAUTHENTICATED);
    const tooLong = await connectTestNode(mesh.target, {
      identity,
      hello: { proof: await helloProof(identity, { lifetimeSeconds: 3600 }) },
    });
    const ended = await tooLong.ended;
    expect(ended.code).toBe(status.UNAUTHENTICATED);
    expect(ended.details).toContain("five minutes");
  });

  it("lets a newer stream for the same instance replace the older one", async () => {
    const identity = await testIdentity();
    const old = await connectTestNode(mesh.target, { identity });
    await old.next("welcome");
    const fresh = await connectTestNode(mesh.target, { identity });
    await fresh.next("welcome");
    expect((await old.ended).code).toBe(status.ABORTED);
    expect(mesh.registry.isOnline(identity.instanceId)).toBe(true);
    fresh.close();
    await detached(mesh.registry, identity.instanceId);
    await mesh.mesh.settled();
    expect((await findInstance(database.db, identity.instanceId))?.online).toBe(false);
  });

  it("pings each instance once per interval, but not all of them in the same tick", async () => {
    // Its own mesh, so no other test's streams join or leave the rounds.
    const spread = await startTestMesh(database.db, { pingIntervalMs: 200 });
    const ticks = pingTicksPerInterval(200);
    try {
      const nodes = await Promise.all(
        Array.from({ length: ticks }, async () => {
          const node = await connectTestNode(spread.target, { identity: await testIdentity() });
          await node.next("welcome");
          return node;
        }),
      );
      // A tick's pings share a nonce. Once every node is in the round, each
      // is pinged once a round: ticks apart; and the nodes are pinged in
      // different ticks of it.
      await Promise.all(nodes.map((node) => node.next("ping")));
      const nonces = await Promise.all(
        nodes.map(async (node) => [
          (await node.next("ping")).nonce,
          (await node.next("ping")).nonce,
        ]),
      );
      for (const [first, second] of nonces) expect(second).toBe((first ?? 0n) + BigInt(ticks));
      expect(new Set(nonces.map(([first]) => first)).size).toBeGreaterThan(1);
      for (const node of nodes) node.close();
    } finally {
      await spread.close();
    }
  });

  it("closes the stream of an instance that stops answering pings", async () => {
    const quick = await startTestMesh(database.db, { pingIntervalMs: 50 });
    try {
      const identity = await testIdentity();
      const node = await connectTestNode(quick.target, { identity, pong: false });
      await node.next("welcome");
      const ended = await node.ended;
      expect(ended.code).toBe(status.UNAVAILABLE);
      expect(ended.details).toContain("pings");
      expect(quick.registry.isOnline(identity.instanceId)).toBe(false);
    } finally {
      await quick.close();
    }
  });

  it("sends a new pairing code before the shown one expires; the old one stops working", async () => {
    const quick = await startTestMesh(database.db, {
      pingIntervalMs: 50,
      pairingRotateBeforeMs: 89_900,
      pairing: { codeTtlMs: 90_000, maxFailedAttempts: 5, lockMs: 60_000 },
    });
    try {
      const identity = await testIdentity();
      const node = await connectTestNode(quick.target, { identity });
      const first = (await node.next("welcome")).pairingCode;
      const rotated = await node.next("pairingCode");
      expect(rotated.code).not.toBe(first?.code);
      expect(Number(rotated.expiresAt?.seconds)).toBeGreaterThan(Date.now() / 1000 + 60);
      await expect(
        claimInstance(
          database.db,
          { subject: "carol", instanceId: identity.instanceId, pairingCode: first?.code ?? "" },
          new Date(),
        ),
      ).rejects.toThrow(ValidationError);
      node.close();
    } finally {
      await quick.close();
    }
  });
});
