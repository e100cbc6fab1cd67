import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

/**
 * Where the SDK gets the access token for each call. Implementations cache
 * and refresh; `getToken` is called once per RPC (and once per reconnect of a
 * stream), so it must be cheap when a valid token is at hand.
 *
 * The SDK ships {@link clientCredentials} for EP backends,
 * {@link userSession} for apps signed in with authorization code + PKCE, and
 * {@link staticToken} for scripts and tests.
 */
export interface TokenProvider {
  /** A valid access token (without the "Bearer " prefix). */
  getToken(): Promise<string>;
  /**
   * Forgets the cached token so the next `getToken` fetches a new one. The
   * SDK calls it when the Marketplace answers UNAUTHENTICATED.
   */
  invalidate?(): void;
}

/**
 * A provider that always answers the same token: for scripts, tests and
 * tokens obtained elsewhere.
 *
 * @example
 * const mp = createMarketplaceClient({ baseUrl, tokenProvider: staticToken(process.env.TOKEN!) });
 */
export function staticToken(token: string): TokenProvider {
  return { getToken: () => Promise.resolve(token) };
}

/**
 * A Connect interceptor that puts `Authorization: Bearer <token>` on every
 * request, unary and streaming, with a token from `provider`. When the
 * Marketplace answers UNAUTHENTICATED it tells the provider to drop its
 * cached token; a unary call is then sent once more with a fresh token (the
 * Marketplace refuses a token before any handler runs, so this never repeats
 * work). A stream is not resent: its next reconnect (as `subscribe` does)
 * fetches a fresh token.
 *
 * `createMarketplaceClient` installs it for you; use it directly only with a
 * transport you build yourself.
 *
 * @example
 * const transport = createConnectTransport({ baseUrl, interceptors: [bearerAuth(tokens)] });
 */
export function bearerAuth(provider: TokenProvider): Interceptor {
  const refused = (err: unknown) => ConnectError.from(err).code === Code.Unauthenticated;
  return (next) => async (req) => {
    req.header.set("Authorization", `Bearer ${await provider.getToken()}`);
    try {
      const res = await next(req);
      if (!res.stream) return res;
      // A stream reports a refused token while it is read, not when it opens.
      return {
        ...res,
        message: watchErrors(res.message, (err) => {
          if (refused(err)) provider.invalidate?.();
        }),
      };
    } catch (err) {
      if (!refused(err) || provider.invalidate === undefined) throw err;
      provider.invalidate();
      if (req.stream) throw err;
      req.header.set("Authorization", `Bearer ${await provider.getToken()}`);
      try {
        return await next(req);
      } catch (again) {
        if (refused(again)) provider.invalidate();
        throw again;
      }
    }
  };
}

async function* watchErrors<T>(
  messages: AsyncIterable<T>,
  onError: (err: unknown) => void,
): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (err) {
    onError(err);
    throw err;
  }
}
