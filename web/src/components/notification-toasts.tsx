import type { Notification } from "@eddie-marketplace/sdk";
import { useState } from "react";
import { useNotifications } from "../live/notification-feed.js";
import { Link } from "../router.js";

/**
 * Shows each live notification for a while in the corner, announced politely
 * to screen readers, with a link to the permission it concerns.
 */
export function NotificationToasts() {
  const [shown, setShown] = useState<Notification[]>([]);
  useNotifications((n) => {
    setShown((s) => [n, ...s].slice(0, 4));
    setTimeout(() => setShown((s) => s.filter((x) => x.id !== n.id)), 10_000);
  });
  const dismiss = (id: string) => setShown((s) => s.filter((x) => x.id !== id));
  return (
    <section className="toasts" aria-live="polite" aria-label="Notifications">
      {shown.map((n) => (
        <div className="toast" key={n.id} data-testid="toast">
          <div>
            <strong>{n.title}</strong>
            <p>{n.body}</p>
            {n.permissionId && (
              <Link href={`/access/${n.permissionId}`} onClick={() => dismiss(n.id)}>
                Open the permission
              </Link>
            )}
          </div>
          <button
            type="button"
            className="button small"
            aria-label="Dismiss notification"
            onClick={() => dismiss(n.id)}
          >
            ×
          </button>
        </div>
      ))}
    </section>
  );
}
