import { useOnlineStatus } from "../features/use-online-status.js";

/** Tells the person they are offline and what still works. */
export function OfflineBanner() {
  const online = useOnlineStatus();
  if (online) return null;
  return (
    <div className="offline-banner" role="status">
      You're offline. Your instances, requests and permissions load again when you're back.
    </div>
  );
}
