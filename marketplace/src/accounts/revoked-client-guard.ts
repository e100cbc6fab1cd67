import type { Kysely } from "kysely";
import type { TokenVerifier } from "../auth/token-verifier.js";
import type { Database } from "../db/schema.js";
import { isApiClientRevoked } from "./account-repository.js";

/**
 * Wraps a token verifier so that tokens of revoked API clients are refused
 * at once, though they are still unexpired: access tokens are JWTs the IAM
 * can't recall, so the Marketplace remembers the revocation.
 */
export function revokedClientGuard(verifier: TokenVerifier, db: Kysely<Database>): TokenVerifier {
  return {
    async verify(token) {
      const principal = await verifier.verify(token);
      if (principal.clientId !== undefined && (await isApiClientRevoked(db, principal.clientId))) {
        throw new Error(`API client ${principal.clientId} was revoked`);
      }
      return principal;
    },
  };
}
