import { Role } from "@eddie-marketplace/gen";
import type { Principal } from "./principal.js";
import type { TokenVerifier } from "./token-verifier.js";

/**
 * An in-memory {@link TokenVerifier} for unit tests of services: the token is
 * a key into `principals`. Never used outside tests.
 *
 * @example
 * const verifier = fakeTokenVerifier({ alice: customerPrincipal("alice") });
 * // then call with header Authorization: Bearer alice
 */
export function fakeTokenVerifier(principals: Record<string, Principal>): TokenVerifier {
  return {
    async verify(token) {
      const p = principals[token];
      if (p === undefined) throw new Error("unknown test token");
      return p;
    },
  };
}

/** A customer principal for tests. */
export function customerPrincipal(subject: string): Principal {
  return { subject, role: Role.CUSTOMER, name: subject };
}

/** An eligible-party principal for tests, acting for organisation `orgId`. */
export function epPrincipal(subject: string, orgId: string, orgName = `${orgId} GmbH`): Principal {
  return {
    subject,
    role: Role.ELIGIBLE_PARTY,
    organisation: { id: orgId, name: orgName },
    name: subject,
  };
}
