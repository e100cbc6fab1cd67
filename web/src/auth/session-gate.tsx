import {
  type Account,
  Code,
  ConnectError,
  createMarketplaceClient,
  type MarketplaceClient,
  Role,
  userSession,
} from "@eddie-marketplace/sdk";
import { type ReactNode, useEffect, useState } from "react";
import { Loading } from "../components/async-state.js";
import { config } from "../config.js";
import { WelcomePage } from "../pages/welcome-page.js";
import { navigate } from "../router.js";
import { finishSignIn, publicClient, signOut, storedTokens, storeTokens } from "./sign-in.js";

/** The signed-in eligible party: its account and its Marketplace client. */
export interface SignedIn {
  readonly account: Account;
  readonly client: MarketplaceClient;
}

/** The one session restore of this page load (effects may run twice in development). */
let bootstrap: Promise<GateState> | undefined;

async function restoreSession(): Promise<GateState> {
  try {
    let returnTo: string | undefined;
    if (window.location.pathname === "/callback") {
      const done = await finishSignIn(window.location.href);
      returnTo = done.returnTo;
    }
    const tokens = storedTokens();
    if (!tokens) return { kind: "signed-out" };
    const session = userSession(publicClient, tokens, { onTokens: storeTokens });
    const client = createMarketplaceClient({
      baseUrl: config.marketplaceUrl,
      tokenProvider: session,
    });
    const { account } = await client.account.getMe({});
    if (!account) throw new Error("The Marketplace did not say who you are.");
    if (returnTo) navigate(returnTo, { replace: true });
    if (account.role !== Role.ELIGIBLE_PARTY) return { kind: "wrong-role", account };
    return { kind: "signed-in", session: { account, client } };
  } catch (error) {
    if (window.location.pathname === "/callback") navigate("/", { replace: true });
    if (ConnectError.from(error).code === Code.Unauthenticated) sessionStorage.clear();
    return { kind: "signed-out", error };
  }
}

type GateState =
  | { kind: "checking" }
  | { kind: "signed-out"; error?: unknown }
  | { kind: "wrong-role"; account: Account }
  | { kind: "signed-in"; session: SignedIn };

/**
 * Shows its children only to a signed-in eligible party. Finishes the IAM
 * callback, restores this tab's session, and otherwise shows the welcome
 * page with sign-in and sign-up.
 */
export function SessionGate(props: { children: (session: SignedIn) => ReactNode }) {
  const [state, setState] = useState<GateState>({ kind: "checking" });
  useEffect(() => {
    let cancelled = false;
    bootstrap ??= restoreSession();
    bootstrap.then(
      (next) => {
        if (!cancelled) setState(next);
      },
      () => {},
    );
    return () => {
      cancelled = true;
    };
  }, []);

  switch (state.kind) {
    case "checking":
      return (
        <main>
          <Loading label="Signing you in…" />
        </main>
      );
    case "signed-out":
      return <WelcomePage error={state.error} />;
    case "wrong-role":
      return (
        <div className="welcome">
          <div className="welcome-card">
            <h1>This app is for eligible parties</h1>
            <p>
              You are signed in as {state.account.email || state.account.displayName}, a household
              account. Households use the AIIDA Marketplace mobile app.
            </p>
            <button type="button" className="button primary" onClick={() => void signOut()}>
              Log out
            </button>
          </div>
        </div>
      );
    case "signed-in":
      return <>{props.children(state.session)}</>;
  }
}
