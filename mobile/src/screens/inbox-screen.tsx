import type { Notification } from "@eddie-marketplace/sdk";
import { useState } from "react";
import { EmptyView, ErrorView, InlineError, LoadingView } from "../components/state-views.js";
import { explainError } from "../features/error-message.js";
import { useNotifications } from "../features/notifications-context.js";
import {
  askForSystemNotifications,
  notificationPath,
  systemNotificationPermission,
} from "../features/system-notification.js";
import { formatAgo } from "../features/time-format.js";
import { Link } from "../router.js";

/** The notifications inbox, updated live, with read state and system alerts setting. */
export function InboxScreen() {
  const inbox = useNotifications();
  const [problem, setProblem] = useState<string>();
  const [permission, setPermission] = useState(systemNotificationPermission);

  const markAll = async () => {
    setProblem(undefined);
    try {
      await inbox.markAllRead();
    } catch (e) {
      setProblem(explainError(e, "mark your notifications read"));
    }
  };
  const open = (n: Notification) => {
    if (inbox.isUnread(n)) inbox.markRead([n.id]).catch(() => undefined);
  };

  return (
    <section aria-labelledby="inbox-title" className="screen">
      <div className="screen-head">
        <h1 id="inbox-title">Inbox</h1>
        {inbox.unreadCount > 0 && (
          <button type="button" className="button text small" onClick={markAll}>
            Mark all read
          </button>
        )}
      </div>
      <p className="muted small live-line" role="status">
        <span className={`status-dot ${inbox.live ? "online" : "offline"}`} aria-hidden="true" />
        {inbox.live ? "Live: new requests appear here at once" : "Reconnecting…"}
      </p>
      {permission === "default" && (
        <div className="callout">
          <p>Get an alert on this phone when a company asks for your data.</p>
          <button
            type="button"
            className="button secondary small"
            onClick={async () => setPermission(await askForSystemNotifications())}
          >
            Turn on alerts
          </button>
        </div>
      )}
      {permission === "denied" && (
        <p className="muted small">
          Alerts are blocked for this app in your browser settings. You'll still see everything
          here.
        </p>
      )}
      {problem && <InlineError>{problem}</InlineError>}
      {inbox.status === "loading" && <LoadingView label="Loading your inbox…" />}
      {inbox.status === "error" && (
        <ErrorView error={inbox.error} context="load your inbox" onRetry={inbox.reload} />
      )}
      {inbox.status === "ready" && inbox.items.length === 0 && (
        <EmptyView title="Nothing here yet">
          When a company asks for your data, or something changes with what you share, you'll see it
          here.
        </EmptyView>
      )}
      {inbox.items.length > 0 && (
        <ul className="card-list" aria-label="Notifications">
          {inbox.items.map((n) => (
            <li key={n.id}>
              <Link
                href={notificationPath(n)}
                className={`card link-card notification ${inbox.isUnread(n) ? "unread" : "read"}`}
                onClick={() => open(n)}
              >
                <span className="card-row spread">
                  <strong className="card-title">
                    {inbox.isUnread(n) && <span className="visually-hidden">Unread: </span>}
                    {n.title}
                  </strong>
                  {inbox.isUnread(n) && <span className="unread-dot" aria-hidden="true" />}
                </span>
                <span className="card-text">{n.body}</span>
                <span className="muted small">{formatAgo(n.createdAt)}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
