import { useNotifications } from "../features/notifications-context.js";
import { Link } from "../router.js";

const tabs = [
  {
    href: "/",
    label: "Home",
    icon: "M3 11 12 4l9 7v9h-6v-6H9v6H3z",
    match: (p: string) => p === "/" || p.startsWith("/instances"),
  },
  {
    href: "/browse",
    label: "Browse",
    icon: "M10 4a6 6 0 1 1 0 12 6 6 0 0 1 0-12zm5 11 5 5",
    match: (p: string) => p.startsWith("/browse"),
  },
  {
    href: "/inbox",
    label: "Inbox",
    icon: "M4 6h16v12H4zm0 0 8 7 8-7",
    match: (p: string) => p.startsWith("/inbox"),
  },
  {
    href: "/permissions",
    label: "Permissions",
    icon: "M12 3 4 6v6c0 5 3.5 8 8 9 4.5-1 8-4 8-9V6zm-3 9 2 2 4-4",
    match: (p: string) => p.startsWith("/permissions"),
  },
] as const;

/** The bottom navigation, with the inbox's unread count. */
export function TabBar({ pathname }: { pathname: string }) {
  const { unreadCount } = useNotifications();
  return (
    <nav className="tab-bar" aria-label="Main">
      {tabs.map((tab) => {
        const current = tab.match(pathname);
        const badge = tab.href === "/inbox" && unreadCount > 0;
        return (
          <Link
            key={tab.href}
            href={tab.href}
            className="tab"
            aria-current={current ? "page" : undefined}
            aria-label={badge ? `${tab.label}, ${unreadCount} unread` : tab.label}
          >
            <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
              <path d={tab.icon} />
            </svg>
            <span>{tab.label}</span>
            {badge && (
              <span className="tab-badge" data-testid="unread-badge" aria-hidden="true">
                {unreadCount > 99 ? "99+" : unreadCount}
              </span>
            )}
          </Link>
        );
      })}
    </nav>
  );
}
