import { type ReactNode, useEffect, useRef } from "react";
import { SessionGate, type SignedIn } from "./auth/session-gate.js";
import { signOut } from "./auth/sign-in.js";
import { AppHeader } from "./components/app-header.js";
import { NotificationToasts } from "./components/notification-toasts.js";
import { NotificationFeedProvider } from "./live/notification-feed.js";
import { ClientContext } from "./marketplace/client-context.js";
import { ApiClientsPage } from "./pages/api-clients-page.js";
import { DataRequestEditorPage } from "./pages/data-request-editor-page.js";
import { DataRequestPage } from "./pages/data-request-page.js";
import { DataRequestsPage } from "./pages/data-requests-page.js";
import { NotFoundPage } from "./pages/not-found-page.js";
import { PermissionPage } from "./pages/permission-page.js";
import { PermissionsPage } from "./pages/permissions-page.js";
import { ServiceOfferEditorPage } from "./pages/service-offer-editor-page.js";
import { ServiceOfferPage } from "./pages/service-offer-page.js";
import { ServiceOffersPage } from "./pages/service-offers-page.js";
import { matchPath, navigate, useLocation } from "./router.js";

/** Every page by its path pattern; the first match wins. */
const routes: readonly [string, string, (params: Record<string, string>) => ReactNode][] = [
  ["/requests", "Data requests", () => <DataRequestsPage />],
  ["/requests/new", "New data request", () => <DataRequestEditorPage key="new" />],
  [
    "/requests/:id/edit",
    "Edit data request",
    (p) => <DataRequestEditorPage key={p.id} id={p.id} />,
  ],
  ["/requests/:id", "Data request", (p) => <DataRequestPage key={p.id} id={p.id ?? ""} />],
  ["/offers", "Service offers", () => <ServiceOffersPage />],
  ["/offers/new", "New service offer", () => <ServiceOfferEditorPage key="new" />],
  [
    "/offers/:id/edit",
    "Edit service offer",
    (p) => <ServiceOfferEditorPage key={p.id} id={p.id} />,
  ],
  ["/offers/:id", "Service offer", (p) => <ServiceOfferPage key={p.id} id={p.id ?? ""} />],
  ["/access", "Access", () => <PermissionsPage />],
  ["/access/:id", "Permission", (p) => <PermissionPage key={p.id} id={p.id ?? ""} />],
  ["/api-clients", "API clients", () => <ApiClientsPage />],
];

/** The page's name for the document title. */
function pageTitle(path: string): string {
  return routes.find(([pattern]) => matchPath(pattern, path))?.[1] ?? "Not found";
}

/** The whole app: the session gate, then the signed-in shell. */
export function App() {
  return <SessionGate>{(session) => <Shell session={session} />}</SessionGate>;
}

function Shell(props: { session: SignedIn }) {
  const { path } = useLocation();
  const previous = useRef(path);
  useEffect(() => {
    document.title = `${pageTitle(path)} · AIIDA Marketplace`;
    // After a move inside the app, start reading at the new page, as after a page load.
    if (previous.current !== path) document.getElementById("main")?.focus({ preventScroll: true });
    previous.current = path;
  }, [path]);
  return (
    <ClientContext.Provider value={props.session.client}>
      <NotificationFeedProvider client={props.session.client}>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <AppHeader account={props.session.account} path={path} onSignOut={() => void signOut()} />
        <main id="main" tabIndex={-1}>
          <Page path={path} />
        </main>
        <NotificationToasts />
      </NotificationFeedProvider>
    </ClientContext.Provider>
  );
}

function Page({ path }: { path: string }) {
  if (path === "/" || path === "/callback") {
    queueMicrotask(() => navigate("/requests", { replace: true }));
    return null;
  }
  for (const [pattern, , render] of routes) {
    const params = matchPath(pattern, path);
    if (params) return render(params);
  }
  return <NotFoundPage />;
}
