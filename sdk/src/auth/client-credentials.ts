import { discoverIssuer, type FetchFunction } from "./oidc-discovery.js";
import { requestTokens, type TokenSet } from "./token-endpoint.js";
import type { TokenProvider } from "./token-provider.js";

/** How an EP backend gets its tokens: its API client at the IAM. */
export interface ClientCredentialsOptions {
  /** The IAM's issuer URL; its token endpoint is found by OIDC discovery. */
  readonly issuer: string;
  /** The API client's id (AccountService.CreateApiClient, or the IAM's admin). */
  readonly clientId: string;
  /** The API client's secret. Keep it on the server; never ship it to a browser. */
  readonly clientSecret: string;
  /**
   * The resource indicator (RFC 8707) to ask a token for, for example
   * "urn:eddie:marketplace". Leave unset when the IAM has a default audience.
   */
  readonly resource?: string;
  /** Scopes to ask for, space separated; unset asks for the client's defaults. */
  readonly scope?: string;
  /**
   * How the secret is sent: HTTP Basic (the OAuth default) or in the form
   * body. Default "client_secret_basic".
   */
  readonly authMethod?: "client_secret_basic" | "client_secret_post";
  /**
   * Renew this long before the token expires, in milliseconds. Calls made in
   * that window still get the current token while a new one is fetched in the
   * background. Default 30 000, at most a quarter of the token's lifetime.
   */
  readonly refreshBeforeMs?: number;
  /** The fetch to use; default the global one. */
  readonly fetch?: FetchFunction;
  /** The clock, in milliseconds since the epoch; for tests. */
  readonly now?: () => number;
}

/** A {@link TokenProvider} that also tells about the token it holds. */
export interface ClientCredentialsProvider extends TokenProvider {
  /** The token set held now, if any; for logging its expiry. */
  current(): TokenSet | undefined;
  invalidate(): void;
}

/**
 * Tokens for an EP backend from the IAM with the OAuth client credentials
 * grant. Finds the token endpoint by OIDC discovery, fetches a token on the
 * first call, caches it, and renews it shortly before it expires; concurrent
 * calls share one request.
 *
 * @throws (from `getToken`) ConnectError UNAUTHENTICATED when the IAM refuses
 * the client id or secret (a revoked API client included), INVALID_ARGUMENT
 * for an unknown resource or scope, UNAVAILABLE when the IAM can't be reached.
 * @example
 * const tokens = clientCredentials({
 *   issuer: "https://iam.example.com",
 *   clientId: process.env.EDDIE_CLIENT_ID!,
 *   clientSecret: process.env.EDDIE_CLIENT_SECRET!,
 * });
 * const mp = createMarketplaceClient({ baseUrl: "https://marketplace.example.com", tokenProvider: tokens });
 */
export function clientCredentials(options: ClientCredentialsOptions): ClientCredentialsProvider {
  const now = options.now ?? Date.now;
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const authMethod = options.authMethod ?? "client_secret_basic";
  let held: { tokens: TokenSet; issuedAt: number } | undefined;
  let inFlight: Promise<TokenSet> | undefined;

  const fetchToken = async (): Promise<TokenSet> => {
    const meta = await discoverIssuer(options.issuer, { fetch: fetchFn });
    const basic =
      authMethod === "client_secret_basic"
        ? {
            authorization: `Basic ${btoa(
              `${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`,
            )}`,
          }
        : undefined;
    return requestTokens({
      endpoint: meta.token_endpoint,
      form: {
        grant_type: "client_credentials",
        resource: options.resource,
        scope: options.scope,
        client_id: basic ? undefined : options.clientId,
        client_secret: basic ? undefined : options.clientSecret,
      },
      headers: basic,
      fetch: fetchFn,
      doing: `client credentials for "${options.clientId}"`,
      now,
    });
  };

  const renew = (): Promise<TokenSet> => {
    if (inFlight === undefined) {
      const issuedAt = now();
      inFlight = fetchToken()
        .then((tokens) => {
          held = { tokens, issuedAt };
          return tokens;
        })
        .finally(() => {
          inFlight = undefined;
        });
    }
    return inFlight;
  };

  return {
    async getToken() {
      const t = now();
      if (held !== undefined) {
        const { tokens, issuedAt } = held;
        const lifetime = tokens.expiresAt - issuedAt;
        const early = Math.min(options.refreshBeforeMs ?? 30_000, lifetime / 4);
        if (t < tokens.expiresAt - early) return tokens.accessToken;
        // Still valid for a little while: hand it out and renew behind it.
        if (t < tokens.expiresAt - Math.min(5_000, early / 2)) {
          renew().catch(() => {});
          return tokens.accessToken;
        }
      }
      return (await renew()).accessToken;
    },
    invalidate() {
      held = undefined;
    },
    current() {
      return held?.tokens;
    },
  };
}

// RFC 6749 §2.3.1: the id and secret are form-encoded before Basic encoding.
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, "+");
}
