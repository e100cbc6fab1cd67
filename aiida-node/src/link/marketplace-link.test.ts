import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate, timestampNow } from "@bufbuild/protobuf/wkt";
import {
  AiidaService,
  Asset,
  type AttachRequest,
  type AttachResponse,
  AttachResponseSchema,
  DeliveryStatus,
  ObisCode,
} from "@eddie-marketplace/gen";
import { grpcServiceDefinition } from "@eddie-marketplace/sdk/grpc-js";
import * as grpc from "@grpc/grpc-js";
import { importJWK, jwtVerify } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createIdentity } from "../identity/instance-identity.js";
import { InstanceSources } from "../sources/instance-sources.js";
import { sourceProfile } from "../sources/source-profiles.js";
import { type LinkEvents, MarketplaceLink } from "./marketplace-link.js";
import type { PermissionHandler } from "./permission-handler.js";

type Reply = MessageInitShape<typeof AttachResponseSchema>;

/** Hands out values in arrival order to whoever awaits them. */
class Inbox<T> {
  private readonly values: T[] = [];
  private readonly waiters: ((value: T) => void)[] = [];
  push(value: T): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(value);
    else this.values.push(value);
  }
  /** Values that arrived and were not taken yet. */
  get waiting(): number {
    return this.values.length;
  }
  next(): Promise<T> {
    const value = this.values.shift();
    if (value !== undefined) return Promise.resolve(value);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** One Attach stream as the fake Marketplace sees it. */
interface FakeStream {
  /** The next message from the instance, and whether welcome was sent before it. */
  next(): Promise<{ message: AttachRequest; afterWelcome: boolean }>;
  send(reply: Reply): void;
  fail(code: grpc.status, details: string): void;
}

/** The Marketplace's node listener, reduced to what a link test needs. */
const streams = new Inbox<FakeStream>();
let server: grpc.Server;
let target: string;

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(grpcServiceDefinition(AiidaService), {
    attach(call: grpc.ServerDuplexStream<AttachRequest, AttachResponse>) {
      const inbox = new Inbox<{ message: AttachRequest; afterWelcome: boolean }>();
      let welcomed = false;
      call.on("data", (message: AttachRequest) => inbox.push({ message, afterWelcome: welcomed }));
      call.on("error", () => {});
      streams.push({
        next: () => inbox.next(),
        send(reply) {
          if (reply.message?.case === "welcome") welcomed = true;
          call.write(create(AttachResponseSchema, reply));
        },
        fail(code, details) {
          call.emit("error", { code, details });
        },
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  target = `127.0.0.1:${port}`;
});

afterAll(async () => {
  server.forceShutdown();
});

const links: MarketplaceLink[] = [];
afterEach(() => {
  for (const link of links.splice(0)) link.stop();
});

function startLink(options: { permissions?: PermissionHandler } = {}) {
  const identity = createIdentity();
  const link = new MarketplaceLink({
    target,
    identity,
    sources: InstanceSources.fromProfile(sourceProfile("nl-pv"), 11),
    version: "9.9.9",
    advertisedAddress: "http://127.0.0.1:8090/",
    backoff: { initialMs: 20, multiplier: 2, jitter: 0, maxMs: 1000 },
    ...options,
  });
  links.push(link);
  link.start();
  return { link, identity };
}

function once<K extends keyof LinkEvents>(
  link: MarketplaceLink,
  event: K,
): Promise<Parameters<LinkEvents[K]>> {
  return new Promise((resolve) => {
    const off = link.on(event, ((...args: Parameters<LinkEvents[K]>) => {
      off();
      resolve(args);
    }) as LinkEvents[K]);
  });
}

async function expectCase<C extends NonNullable<AttachRequest["message"]["case"]>>(
  stream: FakeStream,
  kase: C,
) {
  const { message, afterWelcome } = await stream.next();
  expect(message.message.case).toBe(kase);
  return {
    value: message.message.value as Extract<AttachRequest["message"], { case: C }>["value"],
    afterWelcome,
  };
}

const welcome = (init: { claimed?: boolean; code?: string; pingMs?: number } = {}): Reply => ({
  message: {
    case: "welcome",
    value: {
      claimed: init.claimed ?? false,
      pairingCode: init.code ? { code: init.code, expiresAt: timestampNow() } : undefined,
      pingInterval: durationFromMs(init.pingMs ?? 30_000),
      serverTime: timestampNow(),
    },
  },
});

/** Starts a link and walks it through hello and welcome. */
async function attached(options: { permissions?: PermissionHandler } = {}) {
  const { link, identity } = startLink(options);
  const stream = await streams.next();
  await expectCase(stream, "hello");
  stream.send(welcome({ code: "K7Q-4PX-9ZD" }));
  await expectCase(stream, "capabilities");
  return { link, identity, stream };
}

describe("MarketplaceLink", () => {
  it("says hello with its ID, version, address, public key and a proof of that key", async () => {
    const { identity } = startLink();
    const stream = await streams.next();
    const { value: hello, afterWelcome } = await expectCase(stream, "hello");
    expect(afterWelcome).toBe(false);
    expect(hello.instanceId).toBe(identity.instanceId);
    expect(hello.version).toBe("9.9.9");
    expect(hello.advertisedAddress).toBe("http://127.0.0.1:8090/");
    expect(hello.publicKeyJwk).toBe(identity.publicKeyJwk);
    const key = await importJWK(JSON.parse(hello.publicKeyJwk), "EdDSA");
    const { payload } = await jwtVerify(hello.proof, key, {
      issuer: identity.instanceId,
      subject: identity.instanceId,
      audience: "eddie-marketplace",
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBeLessThanOrEqual(300);
  });

  it("advertises its sources only after welcome, and shows the pairing code", async () => {
    const { link } = startLink();
    const stream = await streams.next();
    await expectCase(stream, "hello");
    const code = once(link, "pairingCode");
    stream.send(welcome({ code: "K7Q-4PX-9ZD" }));
    const { value, afterWelcome } = await expectCase(stream, "capabilities");
    expect(afterWelcome).toBe(true);
    expect(value.dataSources.map((s) => [s.id, s.country, s.enabled])).toEqual([
      ["p1", "NL", true],
      ["pv-inverter", "NL", true],
    ]);
    expect((await code)[0].code).toBe("K7Q-4PX-9ZD");
    expect(link.status).toMatchObject({
      state: "attached",
      claimed: false,
      pairingCode: { code: "K7Q-4PX-9ZD" },
    });
  });

  it("answers each query it receives with match or no match, and answers pings", async () => {
    const { stream } = await attached();
    const query = (queryId: string, asset: Asset) => ({
      message: {
        case: "query" as const,
        value: {
          queryId,
          asset,
          countries: ["NL"],
          dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY],
          maxSamplingInterval: durationFromMs(60_000),
          historyStart: timestampFromDate(new Date("2025-12-01T00:00:00Z")),
        },
      },
    });
    stream.send(query("q-match", Asset.CONNECTION_AGREEMENT_POINT));
    stream.send(query("q-none", Asset.CONTROLLABLE_UNIT));
    stream.send({ message: { case: "ping", value: { nonce: 42n } } });
    expect((await expectCase(stream, "queryAnswer")).value).toMatchObject({
      queryId: "q-match",
      match: true,
    });
    expect((await expectCase(stream, "queryAnswer")).value).toMatchObject({
      queryId: "q-none",
      match: false,
    });
    expect((await expectCase(stream, "pong")).value.nonce).toBe(42n);
  });

  it("follows claiming and new pairing codes", async () => {
    const { link, stream } = await attached();
    const code = once(link, "pairingCode");
    stream.send({ message: { case: "pairingCode", value: { code: "AAA-BBB-CCC" } } });
    expect((await code)[0].code).toBe("AAA-BBB-CCC");
    const claimed = once(link, "claimStatus");
    stream.send({ message: { case: "claimStatus", value: { claimed: true } } });
    expect((await claimed)[0]).toBe(true);
    expect(link.status.claimed).toBe(true);
    expect(link.status.pairingCode).toBeUndefined();
  });

  it("reconnects after the Marketplace drops the stream, with a new proof, and advertises again", async () => {
    const { link, stream } = await attached();
    const retry = once(link, "retry");
    stream.fail(grpc.status.UNAVAILABLE, "going away");
    const [info] = await retry;
    expect(info.code).toBe(grpc.status.UNAVAILABLE);
    expect(link.status.state).toBe("backing-off");
    const again = await streams.next();
    const { value: hello } = await expectCase(again, "hello");
    expect(hello.instanceId).toBe(link.instanceId);
    again.send(welcome({ claimed: true }));
    expect((await expectCase(again, "capabilities")).afterWelcome).toBe(true);
    expect(link.status).toMatchObject({ state: "attached", claimed: true, attempts: 2 });
  });

  it("keeps backing off, ever longer, while the Marketplace refuses its key", async () => {
    const { link } = startLink();
    const delays: number[] = [];
    const thirdRetry = new Promise<void>((resolve) =>
      link.on("retry", ({ delayMs }) => {
        delays.push(delayMs);
        if (delays.length === 3) resolve();
      }),
    );
    for (let i = 0; i < 3; i++) {
      const stream = await streams.next();
      await expectCase(stream, "hello");
      stream.fail(grpc.status.PERMISSION_DENIED, "another key is pinned for this instance");
    }
    await thirdRetry;
    expect(delays).toEqual([20, 40, 80]);
    expect(link.status.state).toBe("refused");
    expect(link.status.lastError).toContain("PERMISSION_DENIED");
  });

  it("reconnects when the Marketplace goes silent for three ping intervals", async () => {
    const { link } = startLink();
    const stream = await streams.next();
    await expectCase(stream, "hello");
    stream.send(welcome({ pingMs: 30 }));
    await expectCase(stream, "capabilities");
    const [info] = await once(link, "retry");
    expect(info.code).toBe(grpc.status.CANCELLED);
    await expectCase(await streams.next(), "hello");
  });

  it("hands permission messages to the delivery hook and sends its answers", async () => {
    const seen: string[] = [];
    const { stream } = await attached({
      permissions: {
        async configure(request, context) {
          seen.push(`configure ${request.permissionId} ${request.grant}`);
          expect(context.sources.dataSources.length).toBe(2);
          return request.grant === "good"
            ? { accepted: true }
            : { accepted: false, reason: "bad grant" };
        },
        async stop(request, context) {
          seen.push(`stop ${request.permissionId}`);
          context.reportStatus({
            permissionId: request.permissionId,
            status: DeliveryStatus.STOPPED,
            detail: request.reason,
            recordsSent: 12n,
          });
        },
      },
    });
    stream.send({
      message: { case: "configurePermission", value: { permissionId: "p1", grant: "good" } },
    });
    expect((await expectCase(stream, "permissionAck")).value).toMatchObject({
      permissionId: "p1",
      accepted: true,
    });
    stream.send({
      message: { case: "configurePermission", value: { permissionId: "p2", grant: "forged" } },
    });
    expect((await expectCase(stream, "permissionAck")).value).toMatchObject({
      permissionId: "p2",
      accepted: false,
      reason: "bad grant",
    });
    stream.send({
      message: { case: "stopPermission", value: { permissionId: "p1", reason: "revoked" } },
    });
    expect((await expectCase(stream, "permissionStatus")).value).toMatchObject({
      permissionId: "p1",
      status: DeliveryStatus.STOPPED,
      detail: "revoked",
      recordsSent: 12n,
    });
    expect(seen).toEqual(["configure p1 good", "configure p2 forged", "stop p1"]);
  });

  it("declines configurations when no delivery is plugged in", async () => {
    const { stream } = await attached();
    stream.send({
      message: { case: "configurePermission", value: { permissionId: "p9", grant: "x" } },
    });
    const { value } = await expectCase(stream, "permissionAck");
    expect(value.accepted).toBe(false);
    expect(value.reason).toMatch(/does not deliver/);
  });

  it("keeps a status reported while detached and sends it after the next welcome", async () => {
    let report: ((detail: string) => void) | undefined;
    const { link, stream } = await attached({
      permissions: {
        async configure(request, context) {
          report = (detail) =>
            context.reportStatus({
              permissionId: request.permissionId,
              status: DeliveryStatus.FAILED,
              detail,
            });
          return { accepted: true };
        },
        async stop() {},
      },
    });
    stream.send({
      message: { case: "configurePermission", value: { permissionId: "p3", grant: "g" } },
    });
    await expectCase(stream, "permissionAck");
    const retry = once(link, "retry");
    stream.fail(grpc.status.UNAVAILABLE, "restart");
    await retry;
    report?.("receiver gone");
    const again = await streams.next();
    await expectCase(again, "hello");
    again.send(welcome());
    await expectCase(again, "capabilities");
    expect((await expectCase(again, "permissionStatus")).value).toMatchObject({
      permissionId: "p3",
      status: DeliveryStatus.FAILED,
      detail: "receiver gone",
    });
  });
});

describe("MarketplaceLink reporting before the Marketplace sent anything", () => {
  it("sends statuses reported before the first welcome right after it, the latest per permission", async () => {
    const { link } = startLink();
    // The link is still dialling: no welcome, no permission message yet.
    link.reportStatus({
      permissionId: "p5",
      status: DeliveryStatus.DELIVERING,
      detail: "resumed after a restart",
      recordsSent: 3n,
    });
    link.permissionContext.reportStatus({
      permissionId: "p6",
      status: DeliveryStatus.DELIVERING,
      detail: "resumed after a restart",
    });
    link.reportStatus({
      permissionId: "p5",
      status: DeliveryStatus.FAILED,
      detail: "receiver gone",
      recordsSent: 4n,
    });
    const stream = await streams.next();
    await expectCase(stream, "hello");
    stream.send(welcome());
    await expectCase(stream, "capabilities");
    const first = await expectCase(stream, "permissionStatus");
    const second = await expectCase(stream, "permissionStatus");
    expect(first.afterWelcome).toBe(true);
    expect([first.value, second.value]).toMatchObject([
      { permissionId: "p6", status: DeliveryStatus.DELIVERING },
      {
        permissionId: "p5",
        status: DeliveryStatus.FAILED,
        detail: "receiver gone",
        recordsSent: 4n,
      },
    ]);
    // Sent once: the next thing on the stream is the answer to a ping.
    stream.send({ message: { case: "ping", value: { nonce: 5n } } });
    expect((await expectCase(stream, "pong")).value.nonce).toBe(5n);
  });
});

describe("MarketplaceLink across a Marketplace restart", () => {
  it("dials again until the Marketplace is back on its port, then attaches", async () => {
    const welcomes = new Inbox<string>();
    const serve = async (port: number) => {
      const s = new grpc.Server();
      s.addService(grpcServiceDefinition(AiidaService), {
        attach(call: grpc.ServerDuplexStream<AttachRequest, AttachResponse>) {
          call.on("error", () => {});
          call.on("data", (m: AttachRequest) => {
            if (m.message.case !== "hello") return;
            call.write(create(AttachResponseSchema, welcome()));
            welcomes.push(m.message.value.instanceId);
          });
        },
      });
      const bound = await new Promise<number>((resolve, reject) =>
        s.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
          err ? reject(err) : resolve(p),
        ),
      );
      return { server: s, port: bound };
    };
    const first = await serve(0);
    const link = new MarketplaceLink({
      target: `127.0.0.1:${first.port}`,
      identity: createIdentity(),
      sources: InstanceSources.fromProfile(sourceProfile("fr-linky"), 1),
      version: "9.9.9",
      advertisedAddress: "http://127.0.0.1:8090/",
      backoff: { initialMs: 20, multiplier: 2, jitter: 0, maxMs: 200 },
    });
    links.push(link);
    link.start();
    expect(await welcomes.next()).toBe(link.instanceId);

    const refusedWhileDown = new Promise<void>((resolve) => {
      let failures = 0;
      const off = link.on("retry", ({ code }) => {
        if (code === grpc.status.UNAVAILABLE && ++failures === 2) {
          off();
          resolve();
        }
      });
    });
    first.server.forceShutdown();
    await refusedWhileDown;
    expect(link.status.state).toBe("backing-off");

    const second = await serve(first.port);
    try {
      expect(await welcomes.next()).toBe(link.instanceId);
      expect(link.status.attempts).toBeGreaterThanOrEqual(3);
      await new Promise<void>((resolve) => {
        if (link.status.state === "attached") resolve();
        const off = link.on("status", (s) => {
          if (s.state === "attached") {
            off();
            resolve();
          }
        });
      });
    } finally {
      link.stop();
      second.server.forceShutdown();
    }
  });
});

describe("MarketplaceLink stopped and started again at once", () => {
  it("holds one stream, not two", async () => {
    const { link } = startLink();
    link.stop();
    link.start();
    const stream = await streams.next();
    await expectCase(stream, "hello");
    stream.send(welcome());
    await expectCase(stream, "capabilities");
    // A second dial would have reached the server before this ping's answer.
    stream.send({ message: { case: "ping", value: { nonce: 7n } } });
    expect((await expectCase(stream, "pong")).value.nonce).toBe(7n);
    expect(streams.waiting).toBe(0);
    expect(link.status.attempts).toBe(2);
  });
});
