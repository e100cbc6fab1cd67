import { type ReactNode, useEffect } from "react";
import { MarketplaceProvider } from "./api/marketplace-context.js";
import { AuthProvider, useAuth } from "./auth/auth-session.js";
import { OfflineBanner } from "./components/offline-banner.js";
import { TabBar } from "./components/tab-bar.js";
import { NotificationsProvider, useNotifications } from "./features/notifications-context.js";
import { notificationPath } from "./features/system-notification.js";
import { Link, matchPath, navigate, useLocation } from "./router.js";
import { AccountScreen } from "./screens/account-screen.js";
import { BrowseScreen } from "./screens/browse-screen.js";
import { CallbackScreen } from "./screens/callback-screen.js";
import { ClaimInstanceScreen } from "./screens/claim-instance-screen.js";
import { DataRequestScreen } from "./screens/data-request-screen.js";
import { InboxScreen } from "./screens/inbox-screen.js";
import { InstancesScreen } from "./screens/instances-screen.js";
import { PermissionScreen } from "./screens/permission-screen.js";
import { PermissionsScreen } from "./screens/permissions-screen.js";
import { ServiceOfferScreen } from "./screens/service-offer-screen.js";
import { WelcomeScreen } from "./screens/welcome-screen.js";

/** The app: signed out it welcomes; signed in it shows the tabs and their screens. */
export function App() {
  return (
    <AuthProvider>
      <Gate />
    </AuthProvider>
  );
}

function Gate() {
  const { session } = useAuth();
  const { pathname } = useLocation();
  if (pathname === "/callback") return <CallbackScreen />;
  if (!session) return <WelcomeScreen />;
  return (
    <MarketplaceProvider tokenProvider={session}>
      <NotificationsProvider>
        <Shell />
      </NotificationsProvider>
    </MarketplaceProvider>
  );
}

/** The screens by path; `back` is where the header's back arrow leads. */
const routes: {
  path: string;
  back?: string;
  render(params: Record<string, string>): ReactNode;
}[] = [
  { path: "/", render: () => <InstancesScreen /> },
  { path: "/instances/add", back: "/", render: () => <ClaimInstanceScreen /> },
  { path: "/browse", render: () => <BrowseScreen /> },
  {
    path: "/browse/requests/:id",
    back: "/browse",
    render: (p) => <DataRequestScreen key={p.id} id={p.id ?? ""} />,
  },
  {
    path: "/browse/offers/:id",
    back: "/browse?tab=offers",
    render: (p) => <ServiceOfferScreen key={p.id} id={p.id ?? ""} />,
  },
  { path: "/inbox", render: () => <InboxScreen /> },
  { path: "/permissions", render: () => <PermissionsScreen /> },
  {
    path: "/permissions/:id",
    back: "/permissions",
    render: (p) => <PermissionScreen key={p.id} id={p.id ?? ""} />,
  },
  { path: "/account", back: "/", render: () => <AccountScreen /> },
];

function screenFor(pathname: string): { screen: ReactNode; back?: string | undefined } {
  for (const route of routes) {
    const params = matchPath(route.path, pathname);
    if (params) return { screen: route.render(params), back: route.back };
  }
  return {
    screen: (
      <section className="screen">
        <h1>Not found</h1>
        <p>This page doesn't exist.</p>
        <Link href="/" className="button primary">
          Go home
        </Link>
      </section>
    ),
  };
}

function Shell() {
  const { pathname } = useLocation();
  const { screen, back } = screenFor(pathname);
  const goBack = () => {
    if (history.length > 1) history.back();
    else if (back) navigate(back);
  };
  useEffect(() => {
    document.getElementById("main")?.focus({ preventScroll: true });
  }, []);
  return (
    <div className="shell">
      <OfflineBanner />
      <header className="app-header">
        {back ? (
          <button type="button" className="icon-button" onClick={goBack} aria-label="Back">
            <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
              <path d="M15 5 8 12l7 7" />
            </svg>
          </button>
        ) : (
          <img src="/icons/icon.svg" alt="" width={28} height={28} />
        )}
        <span className="app-name">AIIDA Marketplace</span>
        <Link href="/account" className="icon-button" aria-label="Account">
          <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-7 8c0-4 3-6 7-6s7 2 7 6" />
          </svg>
        </Link>
      </header>
      <main id="main" tabIndex={-1}>
        {screen}
      </main>
      <ArrivalToast />
      <TabBar pathname={pathname} />
    </div>
  );
}

/** A short in-app note when a notification arrives while the app is in front. */
function ArrivalToast() {
  const { latest, dismissLatest } = useNotifications();
  const { pathname } = useLocation();
  // A note about something the person has moved on from is stale: drop it on navigation.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each change of screen.
  useEffect(() => dismissLatest(), [pathname]);
  useEffect(() => {
    if (!latest) return;
    const timer = window.setTimeout(dismissLatest, 8000);
    return () => window.clearTimeout(timer);
  }, [latest, dismissLatest]);
  return (
    <div className="toast-region" role="status" aria-live="polite">
      {latest && (
        <div className="toast">
          <Link href={notificationPath(latest)} onClick={dismissLatest} className="toast-link">
            <strong>{latest.title}</strong>
            <span>{latest.body}</span>
          </Link>
          <button
            type="button"
            className="icon-button"
            aria-label="Dismiss"
            onClick={dismissLatest}
          >
            ×
          </button>
        </div>
      )}
    </div>
  );
}
