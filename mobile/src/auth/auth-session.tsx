import {
  beginSignIn,
  completeSignIn,
  type PendingAuthorization,
  signOutUrl,
  type TokenSet,
  type UserSession,
  userSession,
} from "@eddie-marketplace/sdk";
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";
import { config } from "../config.js";

const tokensKey = "aiida-marketplace.tokens";
const pendingKey = "aiida-marketplace.sign-in";
const returnKey = "aiida-marketplace.return-to";

/** The person's sign-in as the app sees it. */
export interface Auth {
  /** The token provider for the Marketplace clients; undefined while signed out. */
  session: UserSession | undefined;
  /** Why the person was signed out, shown on the welcome screen. */
  signedOutReason: string | undefined;
  /** Sends the browser to the IAM to log in, or to create an account with `signUp`. */
  signIn(options?: { signUp?: boolean }): Promise<void>;
  /** Finishes the sign-in on the callback page; answers the path to go back to. */
  completeCallback(): Promise<string>;
  /** Forgets the tokens here and signs out at the IAM. */
  signOut(): Promise<void>;
  /** Drops the session because the IAM no longer accepts it. */
  expire(): void;
}

const AuthContext = createContext<Auth | undefined>(undefined);

function loadTokens(): TokenSet | undefined {
  try {
    const raw = localStorage.getItem(tokensKey);
    return raw ? (JSON.parse(raw) as TokenSet) : undefined;
  } catch {
    return undefined;
  }
}

function sessionFor(tokens: TokenSet): UserSession {
  return userSession({ issuer: config.issuer, clientId: config.clientId }, tokens, {
    onTokens: (t) => localStorage.setItem(tokensKey, JSON.stringify(t)),
  });
}

/**
 * Holds the sign-in: authorization code + PKCE at the IAM through the SDK,
 * tokens kept in this browser so the installed app stays signed in, refreshed
 * by the SDK's user session.
 */
export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<UserSession | undefined>(() => {
    const tokens = loadTokens();
    return tokens ? sessionFor(tokens) : undefined;
  });
  const [signedOutReason, setSignedOutReason] = useState<string>();

  const signIn = useCallback(async (options: { signUp?: boolean } = {}) => {
    const { url, pending } = await beginSignIn({
      issuer: config.issuer,
      clientId: config.clientId,
      redirectUri: config.redirectUri,
      extraParams: options.signUp ? { screen_hint: "signup" } : {},
    });
    sessionStorage.setItem(pendingKey, JSON.stringify(pending));
    const here = location.pathname + location.search;
    sessionStorage.setItem(returnKey, here.startsWith("/callback") ? "/" : here);
    location.assign(url);
  }, []);

  const completeCallback = useCallback(async () => {
    const raw = sessionStorage.getItem(pendingKey);
    if (!raw) throw new Error("This sign-in link was already used or started elsewhere.");
    const pending = JSON.parse(raw) as PendingAuthorization;
    const tokens = await completeSignIn(
      { issuer: config.issuer, clientId: config.clientId, redirectUri: config.redirectUri },
      location.href,
      pending,
    );
    sessionStorage.removeItem(pendingKey);
    localStorage.setItem(tokensKey, JSON.stringify(tokens));
    setSignedOutReason(undefined);
    setSession(sessionFor(tokens));
    const back = sessionStorage.getItem(returnKey) ?? "/";
    sessionStorage.removeItem(returnKey);
    return back;
  }, []);

  const signOut = useCallback(async () => {
    const idToken = session?.tokens().idToken;
    localStorage.removeItem(tokensKey);
    setSession(undefined);
    try {
      const url = await signOutUrl(
        { issuer: config.issuer, clientId: config.clientId },
        { ...(idToken ? { idToken } : {}), postLogoutRedirectUri: `${location.origin}/` },
      );
      if (url) location.assign(url);
    } catch {
      // Offline: the tokens are gone here; the IAM session ends on its own.
    }
  }, [session]);

  const expire = useCallback(() => {
    localStorage.removeItem(tokensKey);
    setSession(undefined);
    setSignedOutReason("Your sign-in has expired. Please log in again.");
  }, []);

  const value = useMemo(
    () => ({ session, signedOutReason, signIn, completeCallback, signOut, expire }),
    [session, signedOutReason, signIn, completeCallback, signOut, expire],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

/** The sign-in state and actions. */
export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside AuthProvider");
  return auth;
}
