import type { Hello } from "@eddie-marketplace/gen";
import { calculateJwkThumbprint, importJWK, type JWK, jwtVerify } from "jose";

/** The audience every instance proof must name. */
export const proofAudience = "eddie-marketplace";

/** The longest a proof may live (exp − iat), in seconds. */
const maxProofLifetimeSeconds = 300;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A hello that proves nothing; the stream is closed with UNAUTHENTICATED. */
export class ProofError extends Error {
  override readonly name = "ProofError";
}

/** What a verified hello establishes about the instance. */
export interface ProvenIdentity {
  readonly instanceId: string;
  /** The public key as canonical JWK JSON (kty, crv, x only). */
  readonly publicKeyJwk: string;
  /** RFC 7638 thumbprint of the key; equal keys have equal thumbprints. */
  readonly thumbprint: string;
}

/**
 * Checks that the instance holds the Ed25519 key it presents: the proof must
 * be an EdDSA JWT signed with that key, with iss = sub = the instance ID, aud
 * {@link proofAudience}, and iat/exp at most five minutes apart around now.
 * Whether the key is the one pinned for the ID is the caller's check.
 *
 * @example
 * const who = await verifyHello(hello); // throws ProofError
 */
export async function verifyHello(hello: Hello, now: Date = new Date()): Promise<ProvenIdentity> {
  const instanceId = hello.instanceId.toLowerCase();
  if (!uuidPattern.test(instanceId)) throw new ProofError("instance_id must be a UUID");
  if (hello.version.length === 0 || hello.version.length > 64) {
    throw new ProofError("version must be 1 to 64 characters");
  }
  if (hello.advertisedAddress.length > 256) {
    throw new ProofError("advertised_address must be at most 256 characters");
  }
  let jwk: JWK;
  try {
    jwk = JSON.parse(hello.publicKeyJwk) as JWK;
  } catch {
    throw new ProofError("public_key_jwk is not JSON");
  }
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string" || "d" in jwk) {
    throw new ProofError("public_key_jwk must be an Ed25519 public key (kty OKP, crv Ed25519)");
  }
  const publicJwk: JWK = { kty: "OKP", crv: "Ed25519", x: jwk.x };
  let key: Awaited<ReturnType<typeof importJWK>>;
  try {
    key = await importJWK(publicJwk, "EdDSA");
  } catch {
    throw new ProofError("public_key_jwk is not a usable Ed25519 key");
  }
  try {
    const { payload } = await jwtVerify(hello.proof, key, {
      algorithms: ["EdDSA", "Ed25519"],
      issuer: hello.instanceId,
      subject: hello.instanceId,
      audience: proofAudience,
      requiredClaims: ["iat", "exp"],
      currentDate: now,
      clockTolerance: 30,
    });
    const { iat, exp } = payload as { iat: number; exp: number };
    if (exp - iat > maxProofLifetimeSeconds || exp < iat) {
      throw new ProofError("proof must expire at most five minutes after it was issued");
    }
  } catch (err) {
    if (err instanceof ProofError) throw err;
    throw new ProofError(`proof rejected: ${(err as Error).message}`);
  }
  return {
    instanceId,
    publicKeyJwk: JSON.stringify(publicJwk),
    thumbprint: await calculateJwkThumbprint(publicJwk, "sha256"),
  };
}
