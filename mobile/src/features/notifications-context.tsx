import { type Notification, subscribe } from "@eddie-marketplace/sdk";
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { useMarketplace } from "../api/marketplace-context.js";
import { useAuth } from "../auth/auth-session.js";
import { isSignedOutError } from "./error-message.js";
import { showSystemNotification } from "./system-notification.js";
import { useReloadWhenOnline } from "./use-async.js";

/** The inbox and its live feed, shared by the tab bar badge and the screens. */
export interface Notifications {
  /** Newest first. */
  items: Notification[];
  unreadCount: number;
  status: "loading" | "ready" | "error";
  error: unknown;
  /** Whether the live subscription is connected. */
  live: boolean;
  /** The last notification that arrived while the app was open, for a toast. */
  latest: Notification | undefined;
  dismissLatest(): void;
  /** Whether the person has not read `n` yet (here or on another device). */
  isUnread(n: Notification): boolean;
  markRead(ids: string[]): Promise<void>;
  markAllRead(): Promise<void>;
  reload(): void;
  /** Runs `listener` for every notification arriving live; returns the unsubscribe. */
  onArrival(listener: (n: Notification) => void): () => void;
}

const NotificationsContext = createContext<Notifications | undefined>(undefined);

/**
 * Loads the inbox, then keeps it current over the Marketplace's
 * server-streaming subscription (resumed after the newest notification, so
 * nothing between the two is missed) for as long as the app is open.
 */
export function NotificationsProvider({ children }: { children: ReactNode }) {
  const mp = useMarketplace();
  const { expire } = useAuth();
  const [items, setItems] = useState<Notification[]>([]);
  const [unreadCount, setUnreadCount] = useState(0);
  const [status, setStatus] = useState<Notifications["status"]>("loading");
  const [error, setError] = useState<unknown>();
  const [live, setLive] = useState(false);
  const [latest, setLatest] = useState<Notification>();
  const [round, setRound] = useState(0);
  const [readHere, setReadHere] = useState<ReadonlySet<string>>(new Set());
  const listeners = useRef(new Set<(n: Notification) => void>());
  const reload = useCallback(() => setRound((r) => r + 1), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `round` restarts the inbox and the feed.
  useEffect(() => {
    const abort = new AbortController();
    const { signal } = abort;
    setStatus("loading");
    setLive(false);
    (async () => {
      let afterId = "";
      try {
        const inbox = await mp.notifications.listNotifications({ pageSize: 50 }, { signal });
        setItems(inbox.notifications);
        setUnreadCount(inbox.unreadCount);
        setStatus("ready");
        // From the newest listed, or from the start when the inbox was empty, so
        // a notification written between this list and the feed still comes.
        afterId = inbox.notifications[0]?.id ?? "0";
      } catch (e) {
        if (signal.aborted) return;
        if (isSignedOutError(e)) return expire();
        setError(e);
        setStatus("error");
      }
      try {
        const feed = subscribe(mp, {
          afterId,
          signal,
          onHeartbeat: (count) => {
            setLive(true);
            setUnreadCount(count);
          },
          onReconnect: () => setLive(false),
        });
        setLive(true);
        for await (const n of feed) {
          setLive(true);
          setItems((before) => (before.some((b) => b.id === n.id) ? before : [n, ...before]));
          if (!n.readAt) setUnreadCount((c) => c + 1);
          setLatest(n);
          for (const listener of listeners.current) listener(n);
          if (document.visibilityState !== "visible") void showSystemNotification(n);
        }
      } catch (e) {
        if (signal.aborted) return;
        setLive(false);
        if (isSignedOutError(e)) expire();
      }
    })();
    return () => abort.abort();
  }, [mp, expire, round]);

  // An inbox that failed to load (offline at start) loads again once the network is back.
  useReloadWhenOnline(status === "error", reload);

  const markRead = useCallback(
    async (ids: string[]) => {
      const unread = ids.filter((id) =>
        items.some((n) => n.id === id && !n.readAt && !readHere.has(id)),
      );
      if (unread.length === 0) return;
      const res = await mp.notifications.markRead({ ids: unread });
      setReadHere((before) => new Set([...before, ...unread]));
      setUnreadCount(res.unreadCount);
    },
    [mp, items, readHere],
  );

  const markAllRead = useCallback(async () => {
    const newest = items[0];
    if (!newest) return;
    const res = await mp.notifications.markRead({ upToId: newest.id });
    setReadHere((before) => new Set([...before, ...items.map((n) => n.id)]));
    setUnreadCount(res.unreadCount);
  }, [mp, items]);

  const dismissLatest = useCallback(() => setLatest(undefined), []);

  const onArrival = useCallback((listener: (n: Notification) => void) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);

  const value = useMemo<Notifications>(
    () => ({
      items,
      unreadCount,
      status,
      error,
      live,
      latest,
      dismissLatest,
      isUnread: (n) => !n.readAt && !readHere.has(n.id),
      markRead,
      markAllRead,
      reload,
      onArrival,
    }),
    [
      items,
      unreadCount,
      status,
      error,
      live,
      latest,
      readHere,
      dismissLatest,
      reload,
      markRead,
      markAllRead,
      onArrival,
    ],
  );
  return <NotificationsContext.Provider value={value}>{children}</NotificationsContext.Provider>;
}

/** The inbox, the unread count and the live feed. */
export function useNotifications(): Notifications {
  const n = useContext(NotificationsContext);
  if (!n) throw new Error("useNotifications outside NotificationsProvider");
  return n;
}
