import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampNow } from "@bufbuild/protobuf/wkt";
import {
  AiidaService,
  type AttachRequest,
  type AttachResponse,
  AttachResponseSchema,
  DeliveryStatus,
} from "@eddie-marketplace/gen";
import { GRANT_ALGORITHM } from "@eddie-marketplace/sdk/grant";
import { grpcServiceDefinition } from "@eddie-marketplace/sdk/grpc-js";
import { silentLogger } from "@eddie-marketplace/sdk/log";
import { type IngestReceiver, startIngestReceiver } from "@eddie-marketplace/sdk/receiver";
import * as grpc from "@grpc/grpc-js";
import { createLocalJWKSet, exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AiidaInstance, createInstance } from "../aiida-instance.js";
import { createIdentity } from "../identity/instance-identity.js";
import { sourceProfile } from "../sources/source-profiles.js";
import { bookFileOf } from "./delivery-manager.js";
import { enableDelivery } from "./instance-delivery.js";
import { PermissionBook } from "./permission-book.js";
import { signTestGrant, testGrantClaims } from "./testing.js";

// A node restarting with a permission it was delivering: the Marketplace
// must hear "delivering" as soon as the instance is attached, without first
// sending it any permission message.
describe("delivery resumed after a restart", () => {
  let dir: string;
  let receiver: IngestReceiver;
  let server: grpc.Server;
  let instance: AiidaInstance;
  let target: string;
  let stopDeliveries: (() => Promise<void>) | undefined;
  /** What the instance sent the Marketplace, in order. */
  const heard: AttachRequest[] = [];
  let heardMore: (() => void) | undefined;
  /** What the Marketplace sent the instance, by case. */
  const sent: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aiida-resume-"));
    const keys = await generateKeyPair(GRANT_ALGORITHM, { crv: "Ed25519", extractable: true });
    const jwks = {
      keys: [{ ...(await exportJWK(keys.publicKey)), kid: "mp", alg: GRANT_ALGORITHM }],
    };
    receiver = await startIngestReceiver({
      organisationId: "acme",
      marketplace: createLocalJWKSet(jwks),
    });

    // The Marketplace's node listener: welcomes every hello, and sends nothing else.
    server = new grpc.Server();
    server.addService(grpcServiceDefinition(AiidaService), {
      attach(call: grpc.ServerDuplexStream<AttachRequest, AttachResponse>) {
        call.on("error", () => {});
        call.on("data", (message: AttachRequest) => {
          heard.push(message);
          heardMore?.();
          if (message.message.case !== "hello") return;
          const welcome = create(AttachResponseSchema, {
            message: {
              case: "welcome",
              value: {
                claimed: true,
                pingInterval: durationFromMs(30_000),
                serverTime: timestampNow(),
              },
            },
          });
          sent.push(welcome.message.case ?? "");
          call.write(welcome);
        });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );

    target = `127.0.0.1:${port}`;
    instance = createInstance({
      identity: createIdentity(),
      profile: sourceProfile("at-household"),
      seed: 7,
      target,
      version: "9.9.9",
      advertisedAddress: "http://127.0.0.1:8090/",
    });

    // What the node kept on disk before it went down: one active permission.
    const now = Date.now();
    const grant = await signTestGrant(
      testGrantClaims(`127.0.0.1:${receiver.port}`, {
        permissionId: "p-kept",
        instanceId: instance.identity.instanceId,
        start: new Date(now - 60_000),
      }),
      keys.privateKey,
    );
    const book = await PermissionBook.open(bookFileOf(dir, instance.identity.instanceId));
    await book.add("p-kept", { grant, sentUntil: now - 60_000, recordsSent: 5 });
  });

  afterAll(async () => {
    await stopDeliveries?.();
    instance?.link.stop();
    server?.forceShutdown();
    await receiver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The first message of `kase` the instance sent, waiting for it. */
  async function heardFirst<C extends NonNullable<AttachRequest["message"]["case"]>>(kase: C) {
    for (;;) {
      const at = heard.findIndex((m) => m.message.case === kase);
      const found = heard[at];
      if (found !== undefined) {
        return {
          at,
          value: found.message.value as Extract<AttachRequest["message"], { case: C }>["value"],
        };
      }
      await new Promise<void>((resolve) => {
        heardMore = resolve;
      });
    }
  }

  it("reports the kept permission as delivering right after the welcome, and delivers", async () => {
    stopDeliveries = await enableDelivery(
      [instance],
      {
        stateDir: dir,
        marketplaceTarget: target,
        // Never fetched: kept grants were verified when they were configured.
        jwksUrl: "http://127.0.0.1:9/.well-known/jwks.json",
      },
      silentLogger,
      {},
    );
    const records = receiver.records()[Symbol.asyncIterator]();
    instance.link.start();

    const status = await heardFirst("permissionStatus");
    expect(status.value).toMatchObject({
      permissionId: "p-kept",
      status: DeliveryStatus.DELIVERING,
      detail: "resumed after a restart",
      recordsSent: 5n,
    });
    const hello = await heardFirst("hello");
    const capabilities = await heardFirst("capabilities");
    expect(hello.at).toBeLessThan(capabilities.at);
    expect(capabilities.at).toBeLessThan(status.at);
    // The Marketplace said nothing but welcome.
    expect(sent).toEqual(["welcome"]);

    // And the data flows again to the eligible party.
    for (;;) {
      const { value } = await records.next();
      if (value?.permissionId === "p-kept") break;
    }
    await records.return?.();
  });
});
