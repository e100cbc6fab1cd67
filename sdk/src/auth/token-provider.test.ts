import { Code, ConnectError } from "@connectrpc/connect";
import { AccountService, NotificationService, Role } from "@eddie-marketplace/gen";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMarketplaceClient } from "../node-transport.js";
import { type LocalServer, serveRoutes } from "../testing/local-server.js";
import { staticToken, type TokenProvider } from "./token-provider.js";

describe("the bearer token interceptor", () => {
  let server: LocalServer;
  const seen: (string | null)[] = [];
  beforeAll(async () => {
    server = await serveRoutes((router) => {
      router.service(AccountService, {
        getMe(_req, ctx) {
          const auth = ctx.requestHeader.get("authorization");
          seen.push(auth);
          if (auth !== "Bearer good") throw new ConnectError("bad token", Code.Unauthenticated);
          return { account: { subject: "s1", role: Role.CUSTOMER } };
        },
      });
      router.service(NotificationService, {
        async *subscribe(_req, ctx) {
          const auth = ctx.requestHeader.get("authorization");
          seen.push(auth);
          if (auth !== "Bearer good") throw new ConnectError("bad token", Code.Unauthenticated);
          yield { event: { case: "heartbeat", value: { unreadCount: 1 } } };
        },
      });
    });
  });
  afterAll(() => server.close());

  it("sends the provider's token on every call, asking the provider each time", async () => {
    let asked = 0;
    const provider: TokenProvider = {
      getToken: async () => {
        asked += 1;
        return "good";
      },
    };
    const mp = createMarketplaceClient({ baseUrl: server.baseUrl, tokenProvider: provider });
    const first = await mp.account.getMe({});
    await mp.account.getMe({});
    expect(first.account?.subject).toBe("s1");
    expect(asked).toBe(2);
    expect(seen.slice(-2)).toEqual(["Bearer good", "Bearer good"]);
  });

  it("sends the token on streams too", async () => {
    const mp = createMarketplaceClient({
      baseUrl: server.baseUrl,
      tokenProvider: staticToken("good"),
    });
    const events = [];
    for await (const res of mp.notifications.subscribe({})) events.push(res.event.case);
    expect(events).toEqual(["heartbeat"]);
    expect(seen.at(-1)).toBe("Bearer good");
  });

  it("tells the provider to drop its token when the Marketplace answers UNAUTHENTICATED, on unary and streaming calls", async () => {
    let invalidated = 0;
    const provider: TokenProvider = {
      getToken: async () => "stale",
      invalidate: () => {
        invalidated += 1;
      },
    };
    const mp = createMarketplaceClient({ baseUrl: server.baseUrl, tokenProvider: provider });
    const before = seen.length;
    await expect(mp.account.getMe({})).rejects.toMatchObject({ code: Code.Unauthenticated });
    // A unary call is sent once more with a fresh token; refused again, it fails.
    expect(seen.length - before).toBe(2);
    expect(invalidated).toBe(2);
    const read = async () => {
      for await (const _ of mp.notifications.subscribe({})) expect.unreachable();
    };
    await expect(read()).rejects.toMatchObject({ code: Code.Unauthenticated });
    expect(invalidated).toBe(3);
  });

  it("recovers a unary call whose cached token was refused, with one fresh token", async () => {
    let current = "stale";
    const provider: TokenProvider = {
      getToken: async () => current,
      invalidate: () => {
        current = "good";
      },
    };
    const mp = createMarketplaceClient({ baseUrl: server.baseUrl, tokenProvider: provider });
    const { account } = await mp.account.getMe({});
    expect(account?.subject).toBe("s1");
    expect(seen.slice(-2)).toEqual(["Bearer stale", "Bearer good"]);
  });

  it("sends no Authorization header without a provider", async () => {
    const mp = createMarketplaceClient({ baseUrl: server.baseUrl });
    await expect(mp.account.getMe({})).rejects.toBeInstanceOf(ConnectError);
    expect(seen.at(-1)).toBeNull();
  });

  it("surfaces a failing provider as the provider's error, without calling the Marketplace", async () => {
    const before = seen.length;
    const mp = createMarketplaceClient({
      baseUrl: server.baseUrl,
      tokenProvider: {
        getToken: () => Promise.reject(new ConnectError("IAM down", Code.Unavailable)),
      },
    });
    await expect(mp.account.getMe({})).rejects.toMatchObject({ code: Code.Unavailable });
    expect(seen.length).toBe(before);
  });
});
