import type { Account } from "@eddie-marketplace/sdk";
import { useFeedStatus } from "../live/notification-feed.js";
import { Link } from "../router.js";

const nav = [
  { href: "/requests", label: "Data requests" },
  { href: "/offers", label: "Service offers" },
  { href: "/access", label: "Access" },
  { href: "/api-clients", label: "API clients" },
] as const;

/** The top bar: the product, the sections, the organisation and sign-out. */
export function AppHeader(props: { account: Account; path: string; onSignOut: () => void }) {
  const { live, unread } = useFeedStatus();
  const org = props.account.organisation?.name || "Your organisation";
  return (
    <header className="app-header">
      <div className="app-header-inner">
        <Link className="brand" href="/requests">
          <img src="/favicon.svg" alt="" width="26" height="26" />
          AIIDA Marketplace <small>for eligible parties</small>
        </Link>
        <nav className="main-nav" aria-label="Main">
          <ul>
            {nav.map((n) => (
              <li key={n.href}>
                <Link
                  href={n.href}
                  aria-current={props.path.startsWith(n.href) ? "page" : undefined}
                >
                  {n.label}
                  {n.href === "/access" && unread > 0 && (
                    <span className="badge info" style={{ marginLeft: 6 }}>
                      {unread}
                      <span className="visually-hidden"> unread</span>
                    </span>
                  )}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="header-account">
          <span
            className="live-dot"
            data-live={live}
            role="img"
            aria-label={live ? "Live updates on" : "Connecting live updates"}
            title={live ? "Live updates on" : "Connecting live updates…"}
          />
          <div className="org-name" data-testid="org-name">
            {org}
            <small>{props.account.displayName || props.account.email}</small>
          </div>
          <button type="button" className="button ghost small" onClick={props.onSignOut}>
            Log out
          </button>
        </div>
      </div>
    </header>
  );
}
