import {
  beginSignIn,
  completeSignIn,
  type PendingAuthorization,
  signOutUrl,
  type TokenSet,
} from "@eddie-marketplace/sdk";
import { config } from "../config.js";

// Sign-in at the IAM with authorization code + PKCE. What must survive the
// trip to the IAM (the PKCE verifier) and the tokens stay in this tab's
// sessionStorage: closing the tab ends the app's session.

const pendingKey = "eddie.ep.signin";
const tokensKey = "eddie.ep.tokens";
const returnKey = "eddie.ep.return";

/** The IAM client this app is. */
export const publicClient = {
  issuer: config.issuer,
  clientId: config.clientId,
  redirectUri: config.redirectUri,
} as const;

/**
 * Sends the browser to the IAM: its login page, or its sign-up page
 * (`screen_hint=signup`) where a new eligible party names its organisation.
 */
export async function startSignIn(mode: "login" | "signup"): Promise<void> {
  const { url, pending } = await beginSignIn({
    ...publicClient,
    ...(mode === "signup" ? { extraParams: { screen_hint: "signup" } } : {}),
  });
  sessionStorage.setItem(pendingKey, JSON.stringify(pending));
  const back = window.location.pathname + window.location.search;
  if (back !== "/" && back !== "/callback") sessionStorage.setItem(returnKey, back);
  window.location.assign(url.toString());
}

/**
 * Finishes the sign-in on the callback page: exchanges the code and keeps
 * the tokens. Returns them with the path to go back to.
 */
export async function finishSignIn(
  callbackUrl: string,
): Promise<{ tokens: TokenSet; returnTo: string }> {
  const raw = sessionStorage.getItem(pendingKey);
  if (!raw) throw new Error("This sign-in was not started in this tab. Please sign in again.");
  sessionStorage.removeItem(pendingKey);
  const pending = JSON.parse(raw) as PendingAuthorization;
  const tokens = await completeSignIn(publicClient, callbackUrl, pending);
  storeTokens(tokens);
  const returnTo = sessionStorage.getItem(returnKey) ?? "/requests";
  sessionStorage.removeItem(returnKey);
  return { tokens, returnTo };
}

/** The tokens kept in this tab, if any. */
export function storedTokens(): TokenSet | undefined {
  const raw = sessionStorage.getItem(tokensKey);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as TokenSet;
  } catch {
    return undefined;
  }
}

/** Keeps the newest tokens (called on sign-in and on every refresh). */
export function storeTokens(tokens: TokenSet): void {
  sessionStorage.setItem(tokensKey, JSON.stringify(tokens));
}

/** Drops the tokens and signs out at the IAM too. */
export async function signOut(): Promise<void> {
  const tokens = storedTokens();
  sessionStorage.removeItem(tokensKey);
  let target: URL | undefined;
  try {
    target = await signOutUrl(publicClient, {
      ...(tokens?.idToken ? { idToken: tokens.idToken } : {}),
      postLogoutRedirectUri: `${window.location.origin}/`,
    });
  } catch {
    target = undefined;
  }
  window.location.assign(target?.toString() ?? "/");
}
