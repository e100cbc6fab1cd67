import { Code, ConnectError } from "@connectrpc/connect";
import { discoverIssuer, type FetchFunction, type IssuerMetadata } from "./oidc-discovery.js";
import { OAuthError, oauthConnectError, requestTokens, type TokenSet } from "./token-endpoint.js";
import type { TokenProvider } from "./token-provider.js";

// Authorization code + PKCE (RFC 7636, S256) for apps where a person signs
// in: the EP Web App and the Customer Mobile App. Built on Web Crypto and
// fetch only, so it runs in browsers, workers and Node alike.

/** A public OAuth client: an app that signs people in at the IAM. */
export interface PublicClientOptions {
  /** The IAM's issuer URL. */
  readonly issuer: string;
  /** The app's client id at the IAM. */
  readonly clientId: string;
  /** The app's callback URL, registered at the IAM exactly as written here. */
  readonly redirectUri: string;
  /** The fetch to use; default the global one. */
  readonly fetch?: FetchFunction;
  /** The clock, in milliseconds since the epoch; for tests. */
  readonly now?: () => number;
}

/**
 * What the app must keep between sending the browser to the IAM and the
 * callback (for example in `sessionStorage`). It holds the PKCE verifier:
 * keep it in the same tab and never send it anywhere but the token endpoint.
 */
export interface PendingAuthorization {
  /** The state sent along, checked against the callback's. */
  readonly state: string;
  /** The PKCE code verifier whose S256 hash was sent as the challenge. */
  readonly codeVerifier: string;
  /** The nonce sent along, to match the ID token's. */
  readonly nonce: string;
  /** The redirect URI used, which the code exchange must repeat. */
  readonly redirectUri: string;
}

/**
 * Starts a sign-in: returns the IAM URL to send the browser to and what to
 * keep until the callback. Fresh random state, nonce and PKCE verifier each
 * time; the challenge is S256.
 *
 * @example
 * const { url, pending } = await beginSignIn({ issuer, clientId: "ep-web", redirectUri: `${location.origin}/callback` });
 * sessionStorage.setItem("signin", JSON.stringify(pending));
 * location.assign(url);
 */
export async function beginSignIn(
  options: PublicClientOptions & {
    /** Scopes, space separated; default "openid profile email offline_access". */
    readonly scope?: string;
    /** The resource indicator (RFC 8707) the access token is for, if the IAM needs one. */
    readonly resource?: string;
    /** More authorization parameters, for example `{ screen_hint: "signup", prompt: "login" }`. */
    readonly extraParams?: Readonly<Record<string, string>>;
  },
): Promise<{ url: URL; pending: PendingAuthorization }> {
  const meta = await discover(options);
  if (meta.authorization_endpoint === undefined) {
    throw new ConnectError(
      `the IAM ${meta.issuer} publishes no authorization endpoint`,
      Code.FailedPrecondition,
    );
  }
  const pending: PendingAuthorization = {
    state: randomToken(),
    nonce: randomToken(),
    codeVerifier: randomToken(48),
    redirectUri: options.redirectUri,
  };
  const url = new URL(meta.authorization_endpoint);
  const params: Record<string, string | undefined> = {
    ...options.extraParams,
    response_type: "code",
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    scope: options.scope ?? "openid profile email offline_access",
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await s256(pending.codeVerifier),
    code_challenge_method: "S256",
    resource: options.resource,
  };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return { url, pending };
}

/**
 * Finishes a sign-in on the callback page: checks the state (and the `iss`
 * parameter, RFC 9207, when the IAM sends it), then exchanges the code with
 * the PKCE verifier for tokens.
 *
 * @param callbackUrl the full URL the IAM redirected to (`location.href`).
 * @throws ConnectError PERMISSION_DENIED when the person declined or the IAM
 * reported an error; INVALID_ARGUMENT when the state or issuer does not match
 * (a forged or stale callback: start over); UNAUTHENTICATED when the IAM
 * refuses the code (expired or used).
 * @example
 * const pending = JSON.parse(sessionStorage.getItem("signin")!);
 * const tokens = await completeSignIn({ issuer, clientId: "ep-web", redirectUri }, location.href, pending);
 */
export async function completeSignIn(
  options: PublicClientOptions,
  callbackUrl: string | URL,
  pending: PendingAuthorization,
): Promise<TokenSet> {
  const meta = await discover(options);
  const params = new URL(callbackUrl).searchParams;
  const state = params.get("state");
  if (state !== pending.state) {
    throw new ConnectError(
      "the sign-in callback does not belong to this sign-in (state mismatch): start the sign-in again",
      Code.InvalidArgument,
    );
  }
  const iss = params.get("iss");
  if (iss !== null ? iss !== meta.issuer : meta.authorization_response_iss_parameter_supported) {
    throw new ConnectError(
      `the sign-in callback comes from issuer "${iss}", not "${meta.issuer}": start the sign-in again`,
      Code.InvalidArgument,
    );
  }
  const error = params.get("error");
  if (error !== null) {
    const oauth = new OAuthError(error, params.get("error_description") ?? undefined, 302);
    throw oauthConnectError(oauth, "the sign-in");
  }
  const code = params.get("code");
  if (code === null) {
    throw new ConnectError("the sign-in callback carries no code", Code.InvalidArgument);
  }
  return requestTokens({
    endpoint: meta.token_endpoint,
    form: {
      grant_type: "authorization_code",
      code,
      redirect_uri: pending.redirectUri,
      code_verifier: pending.codeVerifier,
      client_id: options.clientId,
    },
    fetch: fetcher(options),
    doing: "the sign-in code",
    now: options.now ?? Date.now,
  });
}

/**
 * Trades a refresh token for new tokens. The IAM may rotate the refresh
 * token; keep the one returned (the old one is kept when none is returned).
 * @throws ConnectError UNAUTHENTICATED when the refresh token expired or was
 * revoked: sign the person in again.
 */
export async function refreshTokens(
  options: Omit<PublicClientOptions, "redirectUri">,
  refreshToken: string,
): Promise<TokenSet> {
  const meta = await discover(options);
  const tokens = await requestTokens({
    endpoint: meta.token_endpoint,
    form: { grant_type: "refresh_token", refresh_token: refreshToken, client_id: options.clientId },
    fetch: fetcher(options),
    doing: "the refresh token",
    now: options.now ?? Date.now,
  });
  return { ...tokens, refreshToken: tokens.refreshToken ?? refreshToken };
}

/**
 * The IAM URL that signs the person out (RP-initiated logout), or undefined
 * when the IAM has no such endpoint. Send the browser there after dropping
 * the tokens the app holds.
 *
 * @example
 * location.assign(await signOutUrl({ issuer, clientId }, { idToken, postLogoutRedirectUri: location.origin }) ?? "/");
 */
export async function signOutUrl(
  options: Omit<PublicClientOptions, "redirectUri">,
  hints: { idToken?: string; postLogoutRedirectUri?: string; state?: string } = {},
): Promise<URL | undefined> {
  const meta = await discover(options);
  if (meta.end_session_endpoint === undefined) return undefined;
  const url = new URL(meta.end_session_endpoint);
  url.searchParams.set("client_id", options.clientId);
  if (hints.idToken) url.searchParams.set("id_token_hint", hints.idToken);
  if (hints.postLogoutRedirectUri) {
    url.searchParams.set("post_logout_redirect_uri", hints.postLogoutRedirectUri);
  }
  if (hints.state) url.searchParams.set("state", hints.state);
  return url;
}

/** A token provider for a signed-in person, which refreshes by itself. */
export interface UserSession extends TokenProvider {
  /** The tokens held now. */
  tokens(): TokenSet;
  /** Refreshes now (the provider also does it by itself shortly before expiry). */
  refresh(): Promise<TokenSet>;
  invalidate(): void;
}

/**
 * A {@link TokenProvider} for a person signed in with {@link completeSignIn}:
 * hands out the access token and refreshes it with the refresh token shortly
 * before it expires. `onTokens` is called with every new token set, so the
 * app can store it; concurrent calls share one refresh.
 *
 * @throws (from `getToken`) ConnectError UNAUTHENTICATED when the token
 * expired and no refresh token is held, or the IAM refused the refresh: sign
 * the person in again.
 * @example
 * const session = userSession({ issuer, clientId: "ep-web" }, tokens, {
 *   onTokens: (t) => sessionStorage.setItem("tokens", JSON.stringify(t)),
 * });
 * const mp = createMarketplaceClient({ baseUrl, tokenProvider: session });
 */
export function userSession(
  options: Omit<PublicClientOptions, "redirectUri">,
  initial: TokenSet,
  hooks: { onTokens?: (tokens: TokenSet) => void; refreshBeforeMs?: number } = {},
): UserSession {
  const now = options.now ?? Date.now;
  let held = initial;
  let inFlight: Promise<TokenSet> | undefined;
  const refresh = (): Promise<TokenSet> => {
    if (inFlight !== undefined) return inFlight;
    const refreshToken = held.refreshToken;
    if (refreshToken === undefined) {
      return Promise.reject(
        new ConnectError(
          "the session expired and holds no refresh token: sign in again",
          Code.Unauthenticated,
        ),
      );
    }
    inFlight = refreshTokens(options, refreshToken)
      .then((tokens) => {
        held = tokens;
        hooks.onTokens?.(tokens);
        return tokens;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  return {
    async getToken() {
      if (now() < held.expiresAt - (hooks.refreshBeforeMs ?? 30_000)) return held.accessToken;
      return (await refresh()).accessToken;
    },
    invalidate() {
      held = { ...held, expiresAt: 0 };
    },
    tokens: () => held,
    refresh,
  };
}

function discover(options: { issuer: string; fetch?: FetchFunction }): Promise<IssuerMetadata> {
  return discoverIssuer(options.issuer, { fetch: fetcher(options) });
}

function fetcher(options: { fetch?: FetchFunction }): FetchFunction {
  return options.fetch ?? globalThis.fetch.bind(globalThis);
}

function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
