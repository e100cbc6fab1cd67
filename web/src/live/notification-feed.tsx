import {
  type MarketplaceClient,
  type Notification,
  subscribe as subscribeNotifications,
} from "@eddie-marketplace/sdk";
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

type Listener = (n: Notification) => void;

interface Feed {
  /** True once the live stream delivered its first event. */
  readonly live: boolean;
  /** Unread notifications, as the last heartbeat or inbox read said. */
  readonly unread: number;
  /** Adds a listener for every new notification; returns its removal. */
  subscribe(listener: Listener): () => void;
  /** Marks every notification read (the person looked at what they concern). */
  markAllRead(): void;
}

const FeedContext = createContext<Feed>({
  live: false,
  unread: 0,
  subscribe: () => () => {},
  markAllRead: () => {},
});

/**
 * Holds the one live notification subscription of the signed-in app and
 * hands each notification to the pages that listen. The SDK's subscription
 * reconnects by itself and resumes after the last notification seen, so
 * nothing is missed.
 */
export function NotificationFeedProvider(props: {
  client: MarketplaceClient;
  children: ReactNode;
}) {
  const listeners = useRef(new Set<Listener>());
  const [live, setLive] = useState(false);
  const [unread, setUnread] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    const { signal } = abort;
    void (async () => {
      let afterId = "";
      try {
        const inbox = await props.client.notifications.listNotifications(
          { pageSize: 1 },
          { signal },
        );
        // From the newest listed, or from the start when the inbox was empty, so
        // a notification written between this list and the feed still comes.
        afterId = inbox.notifications[0]?.id ?? "0";
        setUnread(inbox.unreadCount);
      } catch {
        // The subscription below reports trouble; the inbox count is a nicety.
      }
      try {
        const feed = subscribeNotifications(props.client, {
          afterId,
          signal,
          onHeartbeat: (count) => {
            setLive(true);
            setUnread(count);
          },
          onReconnect: () => setLive(false),
        });
        for await (const n of feed) {
          setLive(true);
          setUnread((u) => u + 1);
          for (const l of listeners.current) l(n);
        }
      } catch {
        // A subscription that can't recover (the session ended): no live updates.
      }
      setLive(false);
    })();
    return () => abort.abort();
  }, [props.client]);

  const subscribe = useCallback((listener: Listener) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);
  const client = props.client;
  const markAllRead = useCallback(() => {
    void (async () => {
      try {
        const newest = (await client.notifications.listNotifications({ pageSize: 1 }))
          .notifications[0];
        if (!newest) return;
        const res = await client.notifications.markRead({ upToId: newest.id });
        setUnread(res.unreadCount);
      } catch {
        // The count stays as it was; nothing else depends on it.
      }
    })();
  }, [client]);
  const feed = useMemo<Feed>(
    () => ({ live, unread, subscribe, markAllRead }),
    [live, unread, subscribe, markAllRead],
  );
  return <FeedContext.Provider value={feed}>{props.children}</FeedContext.Provider>;
}

/** Whether live updates flow, and the unread count. */
export function useFeedStatus(): { live: boolean; unread: number } {
  const { live, unread } = useContext(FeedContext);
  return { live, unread };
}

/** Marks the notifications read once, when the calling page opens. */
export function useMarkNotificationsRead(): void {
  const { markAllRead } = useContext(FeedContext);
  useEffect(() => markAllRead(), [markAllRead]);
}

/** Calls `onNotification` for each new notification while the component is shown. */
export function useNotifications(onNotification: Listener): void {
  const feed = useContext(FeedContext);
  const ref = useRef(onNotification);
  ref.current = onNotification;
  useEffect(() => feed.subscribe((n) => ref.current(n)), [feed.subscribe]);
}
