import { useOnlineStatus } from "../features/use-online-status.js";

/** Tells the person they are offline and what still works. */
export function OfflineBanner() {
  const online = useOnlineStatus();
  if (online) return null;
  return (
    <div className="offline-banner" role="status">
      You're offline. You can look around; changes wait until you're back online.
    </div>
  );
}
