import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  type NotificationService,
  type SubscribeResponse,
  SubscribeResponseSchema,
} from "@eddie-marketplace/gen";
import type { Kysely } from "kysely";
import { callerOf, Role } from "../auth/principal.js";
import type { Database } from "../db/schema.js";
import type { NotificationHub } from "../notify/notification-hub.js";
import {
  customerInbox,
  listInbox,
  markRead,
  type NotificationRow,
  notificationsAfter,
  organisationInbox,
  type Recipient,
  toNotification,
  unreadCount,
} from "../notify/notification-repository.js";
import { ForbiddenError, Violations } from "./errors.js";

/** What the notification service is built from. */
export interface NotificationServiceDeps {
  readonly db: Kysely<Database>;
  readonly hub: NotificationHub;
  /** How often a quiet subscription sends a heartbeat; 15 s unless a test says otherwise. */
  readonly heartbeatMs?: number;
  readonly now?: () => Date;
}

/**
 * NotificationService: the live subscription and the persisted inbox, for
 * customers (their own) and eligible parties (shared by the organisation).
 */
export function notificationService(
  deps: NotificationServiceDeps,
): Partial<ServiceImpl<typeof NotificationService>> {
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const now = deps.now ?? (() => new Date());
  return {
    async *subscribe(req, ctx) {
      const recipient = inboxOf(ctx);
      const v = new Violations();
      const afterId = req.afterId === "" ? undefined : Number(req.afterId);
      v.check(
        afterId === undefined || (Number.isSafeInteger(afterId) && afterId >= 0),
        "after_id",
        "pass the ID of the last notification you received",
      );
      v.throwIfAny();
      yield* subscription(deps, recipient, afterId, heartbeatMs, ctx.signal);
    },
    async listNotifications(req, ctx) {
      const recipient = inboxOf(ctx);
      const v = new Violations();
      v.check(req.pageSize >= 0 && req.pageSize <= 100, "page_size", "give 1 to 100, or 0 for 20");
      const before = req.pageToken === "" ? undefined : Number(req.pageToken);
      v.check(
        before === undefined || (Number.isSafeInteger(before) && before > 0),
        "page_token",
        "pass the next_page_token of the previous page",
      );
      v.throwIfAny();
      const limit = req.pageSize === 0 ? 20 : req.pageSize;
      const rows = await listInbox(deps.db, recipient, {
        unreadOnly: req.unreadOnly,
        limit: limit + 1,
        beforeId: before,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        notifications: page.map(toNotification),
        nextPageToken: rows.length > limit && last !== undefined ? String(last.id) : "",
        unreadCount: await unreadCount(deps.db, recipient),
      };
    },
    async markRead(req, ctx) {
      const recipient = inboxOf(ctx);
      const v = new Violations();
      const ids = req.ids.map(Number);
      v.check(
        ids.every((id) => Number.isSafeInteger(id) && id > 0),
        "ids",
        "pass notification IDs as you received them",
      );
      const upTo = req.upToId === "" ? undefined : Number(req.upToId);
      v.check(
        upTo === undefined || (Number.isSafeInteger(upTo) && upTo > 0),
        "up_to_id",
        "pass a notification ID as you received it",
      );
      v.check(ids.length <= 1000, "ids", "mark at most 1000 notifications at once");
      v.throwIfAny();
      await markRead(deps.db, recipient, { ids, upToId: upTo }, now());
      return { unreadCount: await unreadCount(deps.db, recipient) };
    },
  };
}

function inboxOf(ctx: HandlerContext): Recipient {
  const me = callerOf(ctx);
  if (me.role === Role.ELIGIBLE_PARTY) {
    if (me.organisation === undefined) {
      throw new ForbiddenError("your account acts for no organisation; finish your profile first");
    }
    return organisationInbox(me.organisation.id);
  }
  return customerInbox(me.subject);
}

/**
 * One live subscription: listens first, then replays what came after
 * `afterId` from the inbox, then streams live, skipping anything already sent.
 * Heartbeats carry the unread count while the stream is quiet.
 */
async function* subscription(
  deps: NotificationServiceDeps,
  recipient: Recipient,
  afterId: number | undefined,
  heartbeatMs: number,
  signal: AbortSignal,
): AsyncGenerator<SubscribeResponse> {
  const queue: NotificationRow[] = [];
  let wakeUp: (() => void) | undefined;
  const wake = () => {
    const w = wakeUp;
    wakeUp = undefined;
    w?.();
  };
  const unlisten = deps.hub.listen(recipient, (row) => {
    queue.push(row);
    wake();
  });
  const onAbort = () => wake();
  signal.addEventListener("abort", onAbort);
  let heartbeatDue = false;
  const timer = setInterval(() => {
    heartbeatDue = true;
    wake();
  }, heartbeatMs);
  try {
    let lastSent = afterId ?? 0;
    if (afterId !== undefined) {
      for (;;) {
        const rows = await notificationsAfter(deps.db, recipient, lastSent, 200);
        for (const row of rows) {
          lastSent = row.id;
          yield notificationEvent(row);
        }
        if (rows.length < 200) break;
      }
    }
    for (;;) {
      if (signal.aborted) return;
      const row = queue.shift();
      if (row !== undefined) {
        if (row.id > lastSent) {
          lastSent = row.id;
          yield notificationEvent(row);
        }
        continue;
      }
      if (heartbeatDue) {
        heartbeatDue = false;
        yield create(SubscribeResponseSchema, {
          event: {
            case: "heartbeat",
            value: { unreadCount: await unreadCount(deps.db, recipient) },
          },
        });
        continue;
      }
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
      });
    }
  } finally {
    clearInterval(timer);
    unlisten();
    signal.removeEventListener("abort", onAbort);
  }
}

function notificationEvent(row: NotificationRow): SubscribeResponse {
  return create(SubscribeResponseSchema, {
    event: { case: "notification", value: toNotification(row) },
  });
}
