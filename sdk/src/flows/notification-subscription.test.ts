import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import {
  type Notification,
  NotificationKind,
  NotificationSchema,
  NotificationService,
  type SubscribeResponse,
} from "@eddie-marketplace/gen";
import { afterEach, describe, expect, it } from "vitest";
import type { TokenProvider } from "../auth/token-provider.js";
import { createMarketplaceClient } from "../node-transport.js";
import { type LocalServer, serveRoutes } from "../testing/local-server.js";
import { type ReconnectInfo, subscribe } from "./notification-subscription.js";

const fast = { initialMs: 5, maxMs: 20 };

function notification(n: number): Notification {
  return create(NotificationSchema, {
    id: String(n).padStart(4, "0"),
    kind: NotificationKind.ACCESS_REQUESTED,
    title: `notification ${n}`,
    createdAt: timestampNow(),
  });
}

const note = (n: number): SubscribeResponse["event"] => ({
  case: "notification",
  value: notification(n),
});

/** A Marketplace whose Subscribe answers each connection with the next script. */
async function scriptedMarketplace(
  scripts: ((
    req: { afterId: string },
    ctx: HandlerContext,
  ) => AsyncIterable<SubscribeResponse["event"]>)[],
) {
  const calls: { afterId: string; authorization: string | null }[] = [];
  const server = await serveRoutes((router) =>
    router.service(NotificationService, {
      async *subscribe(req, ctx) {
        calls.push({ afterId: req.afterId, authorization: ctx.requestHeader.get("authorization") });
        const script = scripts[calls.length - 1];
        if (script === undefined) throw new ConnectError("no more scripts", Code.Internal);
        for await (const event of script(req, ctx)) yield { event };
      },
    }),
  );
  return { server, calls };
}

async function untilAborted(ctx: HandlerContext): Promise<void> {
  if (ctx.signal.aborted) return;
  await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
}

describe("subscribe: notifications with automatic resume", () => {
  let server: LocalServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("reconnects after a broken stream and after a server-ended one, resuming after the last ID, without duplicates", async () => {
    const m = await scriptedMarketplace([
      async function* () {
        yield note(1);
        yield note(2);
        throw new ConnectError("going away", Code.Unavailable);
      },
      async function* () {
        // A replay overlapping what was already delivered must not show twice.
        yield note(2);
        yield note(3);
      },
      async function* (_req, ctx) {
        yield {
          case: "heartbeat",
          value: { $typeName: "eddie.notification.v1.Heartbeat", unreadCount: 7 },
        };
        yield note(4);
        await untilAborted(ctx);
      },
    ]);
    server = m.server;
    const mp = createMarketplaceClient({ baseUrl: server.baseUrl, tokenProvider: tokens("t") });
    const stop = new AbortController();
    const reconnects: ReconnectInfo[] = [];
    const heartbeats: number[] = [];
    const seen: string[] = [];
    for await (const n of subscribe(mp, {
      signal: stop.signal,
      backoff: fast,
      onReconnect: (r) => reconnects.push(r),
      onHeartbeat: (u) => heartbeats.push(u),
    })) {
      seen.push(n.id);
      if (seen.length === 4) stop.abort();
    }
    expect(seen).toEqual(["0001", "0002", "0003", "0004"]);
    expect(m.calls.map((c) => c.afterId)).toEqual(["", "0002", "0003"]);
    expect(reconnects.map((r) => [r.attempt, r.error?.code, r.afterId])).toEqual([
      [1, Code.Unavailable, "0002"],
      [1, undefined, "0003"],
    ]);
    expect(heartbeats).toEqual([7]);
  });

  it("starts after the given cursor", async () => {
    const m = await scriptedMarketplace([
      async function* (req, ctx) {
        yield note(Number(req.afterId) + 1);
        await untilAborted(ctx);
      },
    ]);
    server = m.server;
    const mp = createMarketplaceClient({ baseUrl: server.baseUrl, tokenProvider: tokens("t") });
    const stop = new AbortController();
    const seen: string[] = [];
    for await (const n of subscribe(mp, { afterId: "0041", signal: stop.signal })) {
      seen.push(n.id);
      stop.abort();
    }
    expect(seen).toEqual(["0042"]);
    expect(m.calls[0]?.afterId).toBe("0041");
  });

  it("backs off longer with each failed reconnect in a row", async () => {
    const failing = async function* (): AsyncIterable<SubscribeResponse["event"]> {
      yield* [];
      throw new ConnectError("down", Code.Unavailable);
    };
    const m = await scriptedMarketplace([failing, failing, failing, failing]);
    server = m.server;
    const mp = createMarketplaceClient({ baseUrl: server.baseUrl, tokenProvider: tokens("t") });
    const stop = new AbortController();
    const delays: number[] = [];
    for await (const _ of subscribe(mp, {
      signal: stop.signal,
      backoff: { initialMs: 4, multiplier: 2, jitter: 0, maxMs: 1000 },
      onReconnect: (r) => {
        delays.push(r.delayMs);
        if (delays.length === 3) stop.abort();
      },
    })) {
      expect.unreachable("no notification was sent");
    }
    expect(delays).toEqual([4, 8, 16]);
  });

  it("reconnects when a connection goes silent past the idle timeout, resuming after the last ID", async () => {
    const m = await scriptedMarketplace([
      async function* (_req, ctx) {
        yield note(1);
        // Then silence: no heartbeat, no end, as a connection lost without a FIN.
        await untilAborted(ctx);
      },
      async function* (_req, ctx) {
        yield note(2);
        await untilAborted(ctx);
      },
    ]);
    server = m.server;
    const mp = createMarketplaceClient({ baseUrl: server.baseUrl, tokenProvider: tokens("t") });
    const stop = new AbortController();
    const reconnects: ReconnectInfo[] = [];
    const seen: string[] = [];
    for await (const n of subscribe(mp, {
      signal: stop.signal,
      idleTimeoutMs: 150,
      backoff: fast,
      onReconnect: (r) => reconnects.push(r),
    })) {
      seen.push(n.id);
      if (seen.length === 2) stop.abort();
    }
    expect(seen).toEqual(["0001", "0002"]);
    expect(m.calls.map((c) => c.afterId)).toEqual(["", "0001"]);
    expect(reconnects[0]?.error?.code).toBe(Code.DeadlineExceeded);
  });

  it("gives up at once on PERMISSION_DENIED", async () => {
    const m = await scriptedMarketplace([
      async function* () {
        yield* [];
        throw new ConnectError("not yours", Code.PermissionDenied);
      },
    ]);
    server = m.server;
    const mp = createMarketplaceClient({ baseUrl: server.baseUrl, tokenProvider: tokens("t") });
    const iterate = async () => {
      for await (const _ of subscribe(mp, { backoff: fast })) {
        expect.unreachable("no notification was sent");
      }
    };
    await expect(iterate()).rejects.toMatchObject({ code: Code.PermissionDenied });
    expect(m.calls).toHaveLength(1);
  });

  it("on UNAUTHENTICATED reconnects at once with a fresh token; twice in a row it gives up", async () => {
    const refuse = async function* (): AsyncIterable<SubscribeResponse["event"]> {
      yield* [];
      throw new ConnectError("token expired", Code.Unauthenticated);
    };
    const m = await scriptedMarketplace([
      refuse,
      async function* () {
        yield note(1);
      },
      refuse,
      refuse,
    ]);
    server = m.server;
    const mp = createMarketplaceClient({ baseUrl: server.baseUrl, tokenProvider: tokens("t") });
    const seen: string[] = [];
    const delays: number[] = [];
    const iterate = async () => {
      for await (const n of subscribe(mp, {
        backoff: { initialMs: 5, jitter: 0 },
        onReconnect: (r) => delays.push(r.delayMs),
      })) {
        seen.push(n.id);
      }
    };
    await expect(iterate()).rejects.toMatchObject({ code: Code.Unauthenticated });
    expect(seen).toEqual(["0001"]);
    expect(m.calls.map((c) => c.authorization)).toEqual([
      "Bearer t1",
      "Bearer t2",
      "Bearer t2",
      "Bearer t3",
    ]);
    // After the refused token: at once; after the server ended the stream: backoff.
    expect(delays).toEqual([0, 5, 0]);
  });
});

/** Tokens "<prefix>1", "<prefix>2"…: a new one after each invalidate(). */
function tokens(prefix: string): TokenProvider {
  let n = 1;
  return {
    getToken: async () => `${prefix}${n}`,
    invalidate: () => {
      n += 1;
    },
  };
}
