import { Code, ConnectError } from "@connectrpc/connect";
import { Role } from "@eddie-marketplace/gen";
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import type { Principal } from "./principal.js";
import type { TokenVerifier } from "./token-verifier.js";

/** Signing algorithms accepted by default: asymmetric only, never `none` or HMAC. */
export const defaultAlgorithms = ["ES256", "ES384", "PS256", "RS256", "EdDSA"] as const;

/** How the verifier finds and checks tokens. */
export interface OidcVerifierOptions {
  /** The issuer URL; discovery is read from `<issuer>/.well-known/openid-configuration`. */
  readonly issuer: string;
  /** The audience every access token must name. */
  readonly audience: string;
  /** Accepted `alg` values; defaults to {@link defaultAlgorithms}. */
  readonly algorithms?: readonly string[];
  /** Allowed clock difference for exp, nbf and iat, in seconds (default 30). */
  readonly clockToleranceSeconds?: number;
  /** How long fetched keys are trusted before they're fetched again, in ms (default 10 min). */
  readonly keyCacheMaxAgeMs?: number;
  /** Least time between two key fetches for an unknown `kid`, in ms (default 30 s). */
  readonly keyRefetchCooldownMs?: number;
}

/**
 * Verifies IAM access tokens: RFC 9068 JWTs signed by the issuer's keys.
 *
 * The keys are found by OIDC discovery from `issuer` (on first use, so the
 * Marketplace may start before the IAM) and cached; a token naming a key id
 * not in the cache makes the verifier fetch the JWKS again (at most once per
 * cooldown), which is how key rotation is followed.
 *
 * When the issuer can't be reached (discovery or key fetch fails) it throws
 * a ConnectError UNAVAILABLE, so callers hear "try again", not "sign in again".
 *
 * Every token must have: header `typ: at+jwt` (this keeps ID tokens out),
 * an `alg` from the allow-list, `iss` equal to the issuer, `aud` containing
 * the audience, a `sub`, and `exp`/`nbf` valid within the clock tolerance.
 *
 * Claims read into the {@link Principal} (any OpenID provider that emits them
 * works, for example Keycloak with protocol mappers):
 * - `sub`: the subject, the Marketplace's account key.
 * - `role`: `"customer"` or `"eligible_party"`; absent or other → no role.
 * - `org_id`, `org_name`: the organisation of an eligible party (required
 *   for that role; a token with role `eligible_party` and no `org_id` is refused).
 * - `email`, `name`: shown as the account's profile.
 * - `client_id`: when equal to `sub`, the caller is an API client
 *   (client credentials), not a person.
 */
export function oidcTokenVerifier(options: OidcVerifierOptions): TokenVerifier {
  const algorithms = [...(options.algorithms ?? defaultAlgorithms)];
  if (algorithms.some((a) => a === "none" || a.startsWith("HS"))) {
    throw new Error("the token algorithm allow-list may name only asymmetric algorithms");
  }
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const keySet = () => {
    keys ??= discoverKeys(options).catch((err: unknown) => {
      keys = undefined;
      throw err;
    });
    return keys;
  };
  return {
    async verify(token: string): Promise<Principal> {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, await keySet(), {
          issuer: options.issuer,
          audience: options.audience,
          algorithms,
          typ: "at+jwt",
          clockTolerance: options.clockToleranceSeconds ?? 30,
          requiredClaims: ["sub", "exp"],
        }));
      } catch (err) {
        throw issuerUnreachable(err) ? unavailable(options.issuer, err) : err;
      }
      return principalFromClaims(payload);
    },
  };
}

/** The keys could not be fetched (as opposed to a token that is wrong). */
function issuerUnreachable(err: unknown): boolean {
  if (err instanceof errors.JWKSTimeout) return true;
  if (err instanceof errors.JOSEError) return err.code === "ERR_JOSE_GENERIC";
  return err instanceof DiscoveryError || err instanceof TypeError;
}

function unavailable(issuer: string, cause: unknown): ConnectError {
  return new ConnectError(
    `the sign-in service (${issuer}) can't be reached to check the token; try again shortly`,
    Code.Unavailable,
    undefined,
    undefined,
    cause,
  );
}

class DiscoveryError extends Error {}

async function discoverKeys(options: OidcVerifierOptions): Promise<JWTVerifyGetKey> {
  const url = `${options.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) }).catch((err: unknown) => {
    throw new DiscoveryError(`OIDC discovery at ${url} failed`, { cause: err });
  });
  if (!res.ok) throw new DiscoveryError(`OIDC discovery at ${url} answered ${res.status}`);
  const meta = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
  if (meta.issuer !== options.issuer) {
    throw new DiscoveryError(`OIDC discovery at ${url} names issuer ${String(meta.issuer)}`);
  }
  if (typeof meta.jwks_uri !== "string")
    throw new DiscoveryError(`OIDC discovery at ${url} has no jwks_uri`);
  return createRemoteJWKSet(new URL(meta.jwks_uri), {
    cacheMaxAge: options.keyCacheMaxAgeMs ?? 10 * 60_000,
    cooldownDuration: options.keyRefetchCooldownMs ?? 30_000,
    timeoutDuration: 10_000,
  });
}

/**
 * Turns verified access-token claims into the caller. Exported for tests and
 * for anyone mapping another provider's claims.
 */
export function principalFromClaims(claims: JWTPayload): Principal {
  const subject = claims.sub;
  if (typeof subject !== "string" || subject === "") throw new Error("the token has no subject");
  const text = (name: string) => {
    const v = claims[name];
    return typeof v === "string" && v !== "" ? v : undefined;
  };
  const role =
    claims.role === "customer"
      ? Role.CUSTOMER
      : claims.role === "eligible_party"
        ? Role.ELIGIBLE_PARTY
        : Role.UNSPECIFIED;
  const orgId = text("org_id");
  if (role === Role.ELIGIBLE_PARTY && orgId === undefined) {
    throw new Error("an eligible party's token must carry org_id");
  }
  const clientId = text("client_id");
  return {
    subject,
    role,
    organisation:
      role === Role.ELIGIBLE_PARTY && orgId !== undefined
        ? { id: orgId, name: text("org_name") ?? orgId }
        : undefined,
    email: text("email"),
    name: text("name"),
    clientId: clientId !== undefined && clientId === subject ? clientId : undefined,
  };
}
