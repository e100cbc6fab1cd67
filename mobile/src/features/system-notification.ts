import type { Notification as InboxNotification } from "@eddie-marketplace/sdk";

/** Whether this browser can show system notifications at all. */
export function systemNotificationsSupported(): boolean {
  return "Notification" in window;
}

/** "granted", "denied" or "default" (not asked yet); "unsupported" without the API. */
export function systemNotificationPermission(): NotificationPermission | "unsupported" {
  return systemNotificationsSupported() ? Notification.permission : "unsupported";
}

/** Asks the person (call it from a tap) whether the app may show system notifications. */
export async function askForSystemNotifications(): Promise<NotificationPermission | "unsupported"> {
  if (!systemNotificationsSupported()) return "unsupported";
  return Notification.requestPermission();
}

/** Where tapping the notification leads in the app. */
export function notificationPath(n: InboxNotification): string {
  if (n.permissionId) return `/permissions/${encodeURIComponent(n.permissionId)}`;
  if (n.instanceId) return "/";
  return "/inbox";
}

/**
 * Shows an inbox notification as a system notification when the person
 * allowed it: through the service worker where one is registered (required
 * on Android), otherwise with the page's Notification constructor.
 */
export async function showSystemNotification(n: InboxNotification): Promise<void> {
  if (systemNotificationPermission() !== "granted") return;
  const options: NotificationOptions = {
    body: n.body,
    tag: n.id,
    icon: "/icons/icon-192.png",
    badge: "/icons/icon-192.png",
    data: { path: notificationPath(n) },
  };
  try {
    const workers = navigator.serviceWorker;
    if (workers && (await workers.getRegistration())) {
      // The worker may still be starting (or updating): its registration can
      // show notifications once it is active.
      const registration = await workers.ready;
      await registration.showNotification(n.title, options);
      return;
    }
    new Notification(n.title, options);
  } catch (err) {
    // The in-app inbox and badge still show it.
    console.warn("cannot show a system notification", err);
  }
}
