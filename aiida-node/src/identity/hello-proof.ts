import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { InstanceIdentity } from "./instance-identity.js";

/** The audience every hello proof names; the Marketplace accepts no other. */
export const HELLO_PROOF_AUDIENCE = "eddie-marketplace";

/** The longest a proof may live, by the contract (iat to exp). */
export const MAX_PROOF_LIFETIME_SECONDS = 300;

/**
 * Signs the proof an instance sends in `hello`: a short-lived EdDSA JWT with
 * iss = sub = the instance ID and aud "eddie-marketplace". A fresh one is made
 * for every connection attempt, so a captured proof soon stops working.
 *
 * @example
 * const proof = await signHelloProof(identity);
 */
export async function signHelloProof(
  identity: InstanceIdentity,
  options: { now?: Date; lifetimeSeconds?: number } = {},
): Promise<string> {
  const lifetime = options.lifetimeSeconds ?? 120;
  if (!(lifetime > 0 && lifetime <= MAX_PROOF_LIFETIME_SECONDS)) {
    throw new RangeError(
      `a hello proof lives between 1 and ${MAX_PROOF_LIFETIME_SECONDS} seconds, not ${lifetime}`,
    );
  }
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "EdDSA", typ: "JWT" })
    .setIssuer(identity.instanceId)
    .setSubject(identity.instanceId)
    .setAudience(HELLO_PROOF_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetime)
    .setJti(randomUUID())
    .sign(identity.privateKey);
}
