import { Code, ConnectError } from "@connectrpc/connect";
import type { Notification } from "@eddie-marketplace/gen";
import type { MarketplaceClient } from "../marketplace-client.js";
import { type BackoffOptions, backoffDelay, pause } from "./reconnect-backoff.js";

/** How a {@link subscribe} behaves. */
export interface SubscribeOptions {
  /**
   * Resume after this notification ID (the last one you handled, kept across
   * restarts): everything newer is replayed first. Empty or unset: only new
   * notifications.
   */
  readonly afterId?: string;
  /** Ends the iteration (quietly, without an error) when aborted. */
  readonly signal?: AbortSignal;
  /** The reconnect delays; see {@link BackoffOptions}. */
  readonly backoff?: Partial<BackoffOptions>;
  /**
   * Reconnects when nothing (not even a heartbeat, sent every 15 s) arrived
   * for this long, in milliseconds: a connection that died without closing,
   * as mobile networks leave them. Default 45 000; 0 turns it off.
   */
  readonly idleTimeoutMs?: number;
  /** Called with the unread count on every heartbeat (every 15 s). */
  readonly onHeartbeat?: (unreadCount: number) => void;
  /** Called before each reconnect, with why and how long it waits. */
  readonly onReconnect?: (info: ReconnectInfo) => void;
}

/** Why and when a subscription reconnects. */
export interface ReconnectInfo {
  /** Reconnects in a row without a message in between, from 1. */
  readonly attempt: number;
  /** The wait before this reconnect, in milliseconds. */
  readonly delayMs: number;
  /** The error that broke the stream; undefined when the server ended it. */
  readonly error: ConnectError | undefined;
  /** The cursor the reconnect resumes after. */
  readonly afterId: string;
}

/**
 * Codes after which a subscription gives up instead of reconnecting: the
 * caller must change something (sign in again, fix the request).
 */
const fatal = new Set<Code>([
  Code.InvalidArgument,
  Code.NotFound,
  Code.PermissionDenied,
  Code.FailedPrecondition,
  Code.Unimplemented,
  Code.OutOfRange,
]);

/**
 * The caller's notifications as an async iterable that survives broken
 * connections: when the stream fails or the Marketplace ends it (a restart,
 * a proxy timeout, or silence past `idleTimeoutMs`), it reconnects with
 * exponential backoff and resumes after the last notification it yielded
 * (`after_id`), so nothing is lost and nothing is yielded twice.
 *
 * It ends when `signal` aborts, or throws a `ConnectError` when reconnecting
 * can't help: PERMISSION_DENIED, INVALID_ARGUMENT, NOT_FOUND,
 * FAILED_PRECONDITION, UNIMPLEMENTED, or UNAUTHENTICATED twice in a row (the
 * token provider was asked for a fresh token in between).
 *
 * @example
 * const stop = new AbortController();
 * for await (const n of subscribe(mp, { afterId: saved, signal: stop.signal })) {
 *   console.log(n.title);
 *   saved = n.id;
 * }
 */
export async function* subscribe(
  mp: Pick<MarketplaceClient, "notifications">,
  options: SubscribeOptions = {},
): AsyncGenerator<Notification, void, undefined> {
  const { signal } = options;
  let afterId = options.afterId ?? "";
  const seen = new RecentIds(1024);
  let attempt = 0;
  let unauthenticatedInARow = 0;
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  while (!signal?.aborted) {
    let error: ConnectError | undefined;
    // One controller per connection: aborted by the caller, or by the idle watchdog.
    const connection = new AbortController();
    const onAbort = () => connection.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    let idle: ReturnType<typeof setTimeout> | undefined;
    const watch = () => {
      if (idleTimeoutMs <= 0) return;
      clearTimeout(idle);
      idle = setTimeout(
        () =>
          connection.abort(
            new ConnectError(`no heartbeat for ${idleTimeoutMs} ms`, Code.DeadlineExceeded),
          ),
        idleTimeoutMs,
      );
    };
    try {
      watch();
      for await (const res of mp.notifications.subscribe(
        { afterId },
        { signal: connection.signal },
      )) {
        watch();
        attempt = 0;
        unauthenticatedInARow = 0;
        const ev = res.event;
        if (ev.case === "heartbeat") {
          options.onHeartbeat?.(ev.value.unreadCount);
        } else if (ev.case === "notification") {
          const n = ev.value;
          afterId = n.id;
          if (seen.add(n.id)) {
            // The caller's own time with a notification is not silence.
            clearTimeout(idle);
            yield n;
            watch();
          }
        }
      }
    } catch (err) {
      if (signal?.aborted) return;
      error = connection.signal.aborted
        ? ConnectError.from(connection.signal.reason)
        : ConnectError.from(err);
      if (fatal.has(error.code)) throw error;
      if (error.code === Code.Unauthenticated && ++unauthenticatedInARow >= 2) throw error;
    } finally {
      clearTimeout(idle);
      signal?.removeEventListener("abort", onAbort);
      connection.abort();
    }
    if (signal?.aborted) return;
    attempt += 1;
    // A refused token is retried at once: the provider has fetched a new one.
    const delayMs =
      error?.code === Code.Unauthenticated && unauthenticatedInARow === 1
        ? 0
        : backoffDelay(attempt - 1, options.backoff);
    options.onReconnect?.({ attempt, delayMs, error, afterId });
    if (!(await pause(delayMs, signal))) return;
  }
}

/** A bounded set of the most recent IDs, to drop a replayed duplicate. */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}
  /** Adds `id`; false when it was already there. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    return true;
  }
}
