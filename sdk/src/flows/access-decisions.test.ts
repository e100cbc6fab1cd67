import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  AccessService,
  type Notification,
  NotificationKind,
  NotificationSchema,
  NotificationService,
  type Permission,
  PermissionSchema,
  PermissionState,
} from "@eddie-marketplace/gen";
import { afterEach, describe, expect, it } from "vitest";
import { createMarketplaceClient } from "../node-transport.js";
import { type LocalServer, serveRoutes } from "../testing/local-server.js";
import { requestAccess } from "./access-decisions.js";

/**
 * A Marketplace holding permissions whose state the test changes; each change
 * writes a notification that live subscribers get.
 */
async function consentMarketplace() {
  const permissions = new Map<string, Permission>();
  const inbox: Notification[] = [
    create(NotificationSchema, { id: "0005", kind: NotificationKind.INSTANCE_CLAIMED }),
  ];
  const live = new Set<(n: Notification) => void>();
  const subscribedAfter: string[] = [];
  let onSubscribed: () => void = () => {};
  const server = await serveRoutes((router) => {
    router.service(AccessService, {
      requestAccess(req) {
        for (const id of ["p-1", "p-2"]) {
          permissions.set(
            id,
            create(PermissionSchema, {
              id,
              state: PermissionState.REQUESTED,
              searchRunId: req.searchRunId,
            }),
          );
        }
        return { requestsSent: 2, permissions: [...permissions.values()] };
      },
      getPermission(req) {
        const permission = permissions.get(req.id);
        if (!permission) throw new ConnectError(`no permission ${req.id}`, Code.NotFound);
        return { permission };
      },
    });
    router.service(NotificationService, {
      listNotifications() {
        return { notifications: [...inbox].reverse().slice(0, 1), unreadCount: inbox.length };
      },
      async *subscribe(req, ctx) {
        subscribedAfter.push(req.afterId);
        const queue: Notification[] = inbox.filter((n) => n.id > req.afterId);
        let wake: (() => void) | undefined;
        const push = (n: Notification) => {
          queue.push(n);
          wake?.();
        };
        live.add(push);
        onSubscribed();
        try {
          while (!ctx.signal.aborted) {
            const next = queue.shift();
            if (next) {
              yield { event: { case: "notification", value: next } };
              continue;
            }
            await new Promise<void>((resolve) => {
              wake = resolve;
              ctx.signal.addEventListener("abort", () => resolve(), { once: true });
            });
          }
        } finally {
          live.delete(push);
        }
      },
    });
  });
  let seq = 5;
  return {
    server,
    subscribedAfter,
    subscribed: () =>
      new Promise<void>((resolve) => {
        onSubscribed = resolve;
      }),
    /** Moves a permission to `state` and notifies, as the Marketplace does. */
    decide(id: string, state: PermissionState, notify = true) {
      const p = permissions.get(id);
      if (!p) throw new Error(`no ${id}`);
      permissions.set(id, { ...p, state });
      seq += 1;
      const n = create(NotificationSchema, {
        id: String(seq).padStart(4, "0"),
        kind: NotificationKind.PERMISSION_APPROVED,
        permissionId: id,
      });
      inbox.push(n);
      if (notify) for (const push of live) push(n);
    },
  };
}

describe("requestAccess: asking access and following the decisions", () => {
  let server: LocalServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("yields each state change as it is notified, and ends when every permission has settled", async () => {
    const m = await consentMarketplace();
    server = m.server;
    const mp = createMarketplaceClient({ baseUrl: server.baseUrl });
    const asked = await requestAccess(mp, "run-1");
    expect(asked.requestsSent).toBe(2);
    expect(asked.permissions.map((p) => p.state)).toEqual([
      PermissionState.REQUESTED,
      PermissionState.REQUESTED,
    ]);

    const subscribed = m.subscribed();
    const changes: [string, string, string][] = [];
    const following = (async () => {
      for await (const c of asked.decisions()) {
        changes.push([
          c.permission.id,
          PermissionState[c.previousState] ?? "",
          PermissionState[c.permission.state] ?? "",
        ]);
      }
    })();
    await subscribed;
    m.decide("p-1", PermissionState.APPROVED);
    m.decide("p-2", PermissionState.REJECTED);
    m.decide("p-1", PermissionState.ACTIVE);
    await following;
    // APPROVED may be overtaken by ACTIVE before it is read; the end state is what counts.
    expect(changes.filter((c) => c[0] === "p-2")).toEqual([["p-2", "REQUESTED", "REJECTED"]]);
    expect(changes.filter((c) => c[0] === "p-1").at(-1)?.[2]).toBe("ACTIVE");
    // The cursor was taken before asking, so a decision however fast is replayed.
    expect(m.subscribedAfter[0]).toBe("0005");
  });

  it("does not miss a decision made before the stream opened", async () => {
    const m = await consentMarketplace();
    server = m.server;
    const mp = createMarketplaceClient({ baseUrl: server.baseUrl });
    const asked = await requestAccess(mp, "run-1");
    // Decided, and the notification lost (never pushed, as if written before the cursor).
    m.decide("p-1", PermissionState.REJECTED, false);
    m.decide("p-2", PermissionState.EXPIRED, false);
    const states: string[] = [];
    for await (const c of asked.decisions()) states.push(PermissionState[c.permission.state] ?? "");
    expect(states.sort()).toEqual(["EXPIRED", "REJECTED"]);
  });

  it("stops quietly when the caller aborts", async () => {
    const m = await consentMarketplace();
    server = m.server;
    const mp = createMarketplaceClient({ baseUrl: server.baseUrl });
    const asked = await requestAccess(mp, "run-1");
    const stop = new AbortController();
    const subscribed = m.subscribed();
    const following = (async () => {
      const seen: string[] = [];
      for await (const c of asked.decisions({ signal: stop.signal })) seen.push(c.permission.id);
      return seen;
    })();
    await subscribed;
    m.decide("p-1", PermissionState.APPROVED);
    stop.abort();
    const seen = await following;
    expect(seen.length).toBeLessThanOrEqual(1);
  });
});
