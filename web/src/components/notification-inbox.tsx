import { useNotifications } from "../live/notification-feed.js";
import { useMarketplace } from "../marketplace/client-context.js";
import { formatDateTime } from "../marketplace/time-format.js";
import { useRpc } from "../marketplace/use-rpc.js";
import { Link } from "../router.js";
import { EmptyState, ErrorAlert, Loading } from "./async-state.js";

/** The organisation's latest notifications, newest first, kept current live. */
export function NotificationInbox() {
  const client = useMarketplace();
  const inbox = useRpc(
    async (signal) =>
      (await client.notifications.listNotifications({ pageSize: 15 }, { signal })).notifications,
    [],
  );
  useNotifications(() => inbox.reload());
  return (
    <section className="card" aria-labelledby="inbox-heading">
      <h2 id="inbox-heading">Recent updates</h2>
      {inbox.error !== undefined ? (
        <ErrorAlert error={inbox.error} onRetry={inbox.reload} />
      ) : !inbox.data ? (
        <Loading label="Loading updates…" />
      ) : inbox.data.length === 0 ? (
        <EmptyState title="Nothing yet">
          <p>Households' decisions appear here as they are made.</p>
        </EmptyState>
      ) : (
        <ol className="timeline" data-testid="inbox">
          {inbox.data.map((n) => (
            <li key={n.id}>
              <strong>{n.title}</strong>
              <div>
                <time>{formatDateTime(n.createdAt)}</time>
              </div>
              <div className="hint">{n.body}</div>
              {n.permissionId && (
                <Link href={`/access/${n.permissionId}`}>Open the permission</Link>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
