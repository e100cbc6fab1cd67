import { decodeJwt } from "jose";
import type { Principal } from "./principal.js";
import type { TokenVerifier } from "./token-verifier.js";

/** How the cache is bounded. */
export interface VerifiedTokenCacheOptions {
  /** The most tokens remembered; the oldest is forgotten first (default 10,000). */
  readonly maxEntries?: number;
  /** The clock, in ms since epoch (tests pass their own). */
  readonly now?: () => number;
}

/**
 * Remembers the callers of tokens `verifier` accepted, until each token's
 * `exp`, so an API client or an app that calls again and again with the same
 * token has its signature checked once, not on every call. Only accepted
 * tokens are remembered, keyed by the whole token string; a token without
 * `exp` is never remembered. A token signed with a key the issuer withdraws
 * stays accepted until it expires, as it would in any holder of the keys.
 *
 * @example
 * const verifier = cachingVerifier(oidcTokenVerifier({ issuer, audience }));
 */
export function cachingVerifier(
  verifier: TokenVerifier,
  options: VerifiedTokenCacheOptions = {},
): TokenVerifier {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const accepted = new Map<string, { principal: Principal; expiresAt: number }>();
  return {
    async verify(token: string): Promise<Principal> {
      const known = accepted.get(token);
      if (known !== undefined) {
        if (now() < known.expiresAt) return known.principal;
        accepted.delete(token);
      }
      const principal = await verifier.verify(token);
      const { exp } = decodeJwt(token);
      if (typeof exp === "number" && maxEntries > 0) {
        if (accepted.size >= maxEntries) {
          const oldest = accepted.keys().next().value;
          if (oldest !== undefined) accepted.delete(oldest);
        }
        accepted.set(token, { principal, expiresAt: exp * 1000 });
      }
      return principal;
    },
  };
}
