import type { Notification, Permission, RequestAccessResponse } from "@eddie-marketplace/gen";
import { PermissionState } from "@eddie-marketplace/gen";
import type { MarketplaceClient } from "../marketplace-client.js";
import { subscribe } from "./notification-subscription.js";
import type { BackoffOptions } from "./reconnect-backoff.js";

/** A permission whose state changed, and the notification that told of it. */
export interface PermissionChange {
  /** The permission as it is now. */
  readonly permission: Permission;
  /** The state it was in before, as far as this follower knew. */
  readonly previousState: PermissionState;
  /** The notification that announced the change; undefined for a change found on (re)reading. */
  readonly notification: Notification | undefined;
}

/**
 * States a permission rests in until someone acts again; following ends when
 * every followed permission reached one. APPROVED and CONFIGURING are on the
 * way to ACTIVE or FAILED, so following goes on through them.
 */
export const settledPermissionStates: ReadonlySet<PermissionState> = new Set([
  PermissionState.REJECTED,
  PermissionState.EXPIRED,
  PermissionState.ACTIVE,
  PermissionState.REVOKED,
  PermissionState.TERMINATED,
  PermissionState.FULFILLED,
  PermissionState.FAILED,
]);

/** How {@link followPermissions} runs. */
export interface FollowOptions {
  /** Stops following (quietly) when aborted. */
  readonly signal?: AbortSignal;
  /**
   * Ends the iteration when this says so for the permissions' current states.
   * Default: when every permission is in one of {@link settledPermissionStates}.
   */
  readonly until?: (permissions: readonly Permission[]) => boolean;
  /** Resume the notification stream after this ID (a cursor taken before the changes). */
  readonly afterId?: string;
  /** Reconnect delays of the notification stream. */
  readonly backoff?: Partial<BackoffOptions>;
}

/**
 * Follows permissions: yields each state change as the customers decide and
 * the instances get configured (approved → configuring → active, rejected,
 * expired, failed…), driven by the notification stream with automatic
 * resume. It first reads every permission once, so a change made before the
 * stream opened is not missed.
 *
 * @example
 * for await (const change of followPermissions(mp, permissions)) {
 *   console.log(change.permission.id, PermissionState[change.permission.state]);
 * }
 */
export async function* followPermissions(
  mp: Pick<MarketplaceClient, "access" | "notifications">,
  permissions: readonly Permission[],
  options: FollowOptions = {},
): AsyncGenerator<PermissionChange, void, undefined> {
  const until = options.until ?? ((ps) => ps.every((p) => settledPermissionStates.has(p.state)));
  const known = new Map(permissions.map((p) => [p.id, p]));
  if (known.size === 0 || until([...known.values()])) return;

  const stop = new AbortController();
  options.signal?.addEventListener("abort", () => stop.abort(), { once: true });
  const notifications = subscribe(mp, {
    afterId: options.afterId,
    signal: stop.signal,
    backoff: options.backoff,
  })[Symbol.asyncIterator]();
  // Start the stream before reading the states, so nothing falls in between.
  const first = notifications.next();
  first.catch(() => {});

  const reread = async (id: string, notification: Notification | undefined) => {
    const before = known.get(id);
    if (before === undefined) return undefined;
    const { permission } = await mp.access.getPermission({ id });
    if (permission === undefined || permission.state === before.state) return undefined;
    known.set(id, permission);
    return { permission, previousState: before.state, notification };
  };

  try {
    for (const id of [...known.keys()]) {
      const change = await reread(id, undefined);
      if (change) yield change;
    }
    if (until([...known.values()])) return;
    for (let step = await first; !step.done; step = await notifications.next()) {
      const n = step.value;
      if (!known.has(n.permissionId)) continue;
      const change = await reread(n.permissionId, n);
      if (change === undefined) continue;
      yield change;
      if (until([...known.values()])) return;
    }
  } finally {
    stop.abort();
    await notifications.return(undefined);
  }
}

/** What {@link requestAccess} answers: the permissions, and a way to follow them. */
export interface AccessRequest {
  /** Permissions created by this call (one per customer). */
  readonly requestsSent: number;
  /** Permissions that already existed from an earlier call. */
  readonly alreadyRequested: number;
  /** The run's permissions, one per customer. */
  readonly permissions: readonly Permission[];
  /** The customers' decisions and what follows them, as they happen; see {@link followPermissions}. */
  decisions(options?: Omit<FollowOptions, "afterId">): AsyncIterable<PermissionChange>;
}

/**
 * Asks access for a completed search run's matches (one permission per
 * customer; asking again is harmless) and hands back a follower for the
 * decisions. The notification cursor is taken before asking, so no decision
 * is missed however soon it comes.
 *
 * @throws ConnectError NOT_FOUND for a run that is not yours,
 * FAILED_PRECONDITION for a run still running, INVALID_ARGUMENT for an
 * expiry out of 1..30 days, PERMISSION_DENIED for a customer.
 * @example
 * const asked = await requestAccess(mp, run.id);
 * console.log(`${asked.requestsSent} households asked`);
 * for await (const c of asked.decisions()) console.log(c.permission.id, c.permission.state);
 */
export async function requestAccess(
  mp: Pick<MarketplaceClient, "access" | "notifications">,
  searchRunId: string,
  options: { expiresInDays?: number } = {},
): Promise<AccessRequest> {
  const inbox = await mp.notifications.listNotifications({ pageSize: 1 });
  const afterId = inbox.notifications[0]?.id ?? "";
  const res: RequestAccessResponse = await mp.access.requestAccess({
    searchRunId,
    expiresInDays: options.expiresInDays ?? 0,
  });
  return {
    requestsSent: res.requestsSent,
    alreadyRequested: res.alreadyRequested,
    permissions: res.permissions,
    decisions: (follow = {}) => followPermissions(mp, res.permissions, { ...follow, afterId }),
  };
}
