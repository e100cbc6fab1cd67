// The grant: the signed proof that a household approved delivery of its data
// to an eligible party. The Marketplace signs it, the AIIDA instance checks it
// before configuring anything, and the eligible party's receiver checks it
// before accepting data. This module is the one place its format lives; it
// knows nothing of transports, so the Marketplace and the node import it too.
import type { Asset, ObisCode, Schema } from "@eddie-marketplace/gen";
import { decodeJwt, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import {
  assetName,
  describeObis,
  parseAsset,
  parseObis,
  parseSchema,
  schemaName,
} from "../vocabulary.js";

/** The JOSE `typ` header of every grant. */
export const GRANT_TYPE = "eddie-grant+jwt";
/** The `iss` of every grant the Marketplace signs. */
export const GRANT_ISSUER = "urn:eddie:marketplace";
/** The signature algorithm grants use (Ed25519). */
export const GRANT_ALGORITHM = "EdDSA";
/** The path at which the Marketplace publishes its grant keys on its client-facing port. */
export const GRANT_JWKS_PATH = "/.well-known/jwks.json";

/**
 * What a grant says: which permission, which instance delivers, to whom,
 * which measurements, on which schedule, for how long.
 */
export interface GrantClaims {
  /** The permission's ID (the JWT `sub`). */
  readonly permissionId: string;
  /** The AIIDA instance allowed to deliver under this grant. */
  readonly instanceId: string;
  /** The eligible party's organisation that receives the data (the JWT `aud`). */
  readonly organisationId: string;
  /** The organisation's display name. */
  readonly organisationName: string;
  /** The data request the permission was given for. */
  readonly dataRequestId: string;
  /** The measurements that may be delivered. */
  readonly dataTags: readonly ObisCode[];
  /** The schemas the data is delivered in. */
  readonly schemas: readonly Schema[];
  /** Where the data must be measured. */
  readonly asset: Asset;
  /** When to transmit: a cron expression with seconds. */
  readonly transmissionSchedule: string;
  /** The gRPC address of the eligible party's IngestService. */
  readonly deliveryEndpoint: string;
  /** The first instant data is shared for. */
  readonly start: Date;
  /** The last instant data is shared for; the grant expires then. */
  readonly end: Date;
}

/** A grant did not verify or does not allow what was asked. */
export class GrantError extends Error {
  override readonly name = "GrantError";
}

/**
 * The JWT payload for `claims`; the Marketplace signs it with
 * `{ alg: GRANT_ALGORITHM, typ: GRANT_TYPE, kid }`.
 */
export function grantPayload(claims: GrantClaims, issuedAt: Date): JWTPayload {
  return {
    iss: GRANT_ISSUER,
    sub: claims.permissionId,
    aud: claims.organisationId,
    jti: `${claims.permissionId}/${claims.instanceId}`,
    iat: Math.floor(issuedAt.getTime() / 1000),
    exp: Math.ceil(claims.end.getTime() / 1000),
    instance_id: claims.instanceId,
    organisation_name: claims.organisationName,
    data_request_id: claims.dataRequestId,
    data_tags: claims.dataTags.map((t) => inVocabulary(() => describeObis(t).code)),
    schemas: claims.schemas.map((s) => inVocabulary(() => schemaName(s))),
    asset: inVocabulary(() => assetName(claims.asset)),
    transmission_schedule: claims.transmissionSchedule,
    delivery_endpoint: claims.deliveryEndpoint,
    start: Math.floor(claims.start.getTime() / 1000),
    end: Math.ceil(claims.end.getTime() / 1000),
  };
}

/** What a verifier insists on beyond a good signature. */
export interface VerifyGrantOptions {
  /** The grant must be for this organisation (a receiver passes its own). */
  readonly organisationId?: string;
  /** The grant must name this instance (a node passes its own ID). */
  readonly instanceId?: string;
  /** The time to check expiry against; now by default. */
  readonly currentDate?: Date;
}

/**
 * Verifies a grant JWS against the Marketplace's keys (usually
 * `createRemoteJWKSet(new URL(GRANT_JWKS_PATH, marketplaceUrl))`) and returns
 * its claims. Throws {@link GrantError} when the signature, issuer, type,
 * algorithm or expiry is wrong, or when it is for another organisation or
 * instance.
 *
 * @example
 * const keys = createRemoteJWKSet(new URL("http://127.0.0.1:8080/.well-known/jwks.json"));
 * const claims = await verifyGrant(jws, keys, { organisationId: "acme" });
 */
export async function verifyGrant(
  jws: string,
  keys: JWTVerifyGetKey,
  options: VerifyGrantOptions = {},
): Promise<GrantClaims> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(jws, keys, {
      issuer: GRANT_ISSUER,
      typ: GRANT_TYPE,
      algorithms: [GRANT_ALGORITHM],
      audience: options.organisationId,
      currentDate: options.currentDate,
      clockTolerance: 30,
      requiredClaims: ["sub", "aud", "exp", "iat"],
    }));
  } catch (err) {
    const why =
      err instanceof errors.JWTExpired
        ? "the grant has expired"
        : err instanceof errors.JWTClaimValidationFailed
          ? `the grant's "${err.claim}" claim is not acceptable`
          : err instanceof errors.JWSSignatureVerificationFailed
            ? "the grant's signature does not verify"
            : err instanceof errors.JWKSNoMatchingKey
              ? "the grant was not signed with a key of the Marketplace"
              : err instanceof errors.JWKSTimeout ||
                  err instanceof errors.JWKSInvalid ||
                  (err instanceof TypeError && /fetch/i.test(err.message))
                ? "the Marketplace's keys could not be fetched to check the grant"
                : "the grant is not a valid Marketplace grant";
    throw new GrantError(why, { cause: err });
  }
  const claims = claimsOf(payload);
  if (options.instanceId !== undefined && claims.instanceId !== options.instanceId) {
    throw new GrantError("the grant is for another instance");
  }
  return claims;
}

/**
 * Reads the claims of a grant without checking its signature: only for a
 * grant this program verified before and kept (an instance resuming its
 * deliveries after a restart). Throws {@link GrantError} when malformed.
 */
export function decodeVerifiedGrant(jws: string): GrantClaims {
  try {
    return claimsOf(decodeJwt(jws));
  } catch (err) {
    if (err instanceof GrantError) throw err;
    throw new GrantError("the kept grant can't be read", { cause: err });
  }
}

function claimsOf(p: JWTPayload): GrantClaims {
  const str = (name: string): string => {
    const v = p[name];
    if (typeof v !== "string" || v === "") throw new GrantError(`the grant lacks "${name}"`);
    return v;
  };
  const num = (name: string): number => {
    const v = p[name];
    if (typeof v !== "number") throw new GrantError(`the grant lacks "${name}"`);
    return v;
  };
  const list = (name: string): string[] => {
    const v = p[name];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
      throw new GrantError(`the grant lacks "${name}"`);
    }
    return v as string[];
  };
  const aud = typeof p.aud === "string" ? p.aud : p.aud?.[0];
  if (aud === undefined) throw new GrantError('the grant lacks "aud"');
  return {
    permissionId: str("sub"),
    instanceId: str("instance_id"),
    organisationId: aud,
    organisationName: str("organisation_name"),
    dataRequestId: str("data_request_id"),
    dataTags: list("data_tags").map((t) => inVocabulary(() => parseObis(t))),
    schemas: list("schemas").map((s) => inVocabulary(() => parseSchema(s))),
    asset: inVocabulary(() => parseAsset(str("asset"))),
    transmissionSchedule: str("transmission_schedule"),
    deliveryEndpoint: str("delivery_endpoint"),
    start: new Date(num("start") * 1000),
    end: new Date(num("end") * 1000),
  };
}

/** Reads the vocabulary; a code or name the contracts don't define is a {@link GrantError}. */
function inVocabulary<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof RangeError) throw new GrantError(e.message);
    throw e;
  }
}
