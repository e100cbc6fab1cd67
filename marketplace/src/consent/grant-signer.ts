import { randomUUID } from "node:crypto";
import {
  GRANT_ALGORITHM,
  GRANT_TYPE,
  type GrantClaims,
  grantPayload,
} from "@eddie-marketplace/sdk/grant";
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";

/** Signs grants with the Marketplace's own key and publishes the public half. */
export interface GrantSigner {
  /** Signs the grant for one instance of an approved permission. */
  sign(claims: GrantClaims, issuedAt: Date): Promise<string>;
  /** The JSON Web Key Set verifiers fetch (public keys only). */
  jwks(): { keys: JWK[] };
}

/**
 * Loads the Marketplace's grant-signing key from the database, creating an
 * Ed25519 key on first use, so every replica and every restart signs with the
 * same key and grants issued before a restart still verify.
 *
 * @example
 * const signer = await loadGrantSigner(db);
 * const jws = await signer.sign(claims, new Date());
 */
export async function loadGrantSigner(db: Kysely<Database>): Promise<GrantSigner> {
  let row = await currentKey(db);
  if (row === undefined) {
    const { privateKey, publicKey } = await generateKeyPair(GRANT_ALGORITHM, {
      crv: "Ed25519",
      extractable: true,
    });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: GRANT_ALGORITHM, use: "sig" };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: GRANT_ALGORITHM };
    // Two replicas starting at once may both create one; the oldest wins.
    await db
      .insertInto("signing_key")
      .values({
        kid,
        private_jwk: JSON.stringify(privateJwk),
        public_jwk: JSON.stringify(publicJwk),
      })
      .execute();
    row = await currentKey(db);
  }
  if (row === undefined) throw new Error("no grant-signing key after creating one");
  const publicKeys = (
    await db.selectFrom("signing_key").select("public_jwk").orderBy("created_at").execute()
  ).map((r) => JSON.parse(r.public_jwk) as JWK);
  const kid = row.kid;
  const key = await importJWK(JSON.parse(row.private_jwk) as JWK, GRANT_ALGORITHM);
  return {
    sign(claims, issuedAt) {
      return new SignJWT(grantPayload(claims, issuedAt))
        .setProtectedHeader({ alg: GRANT_ALGORITHM, typ: GRANT_TYPE, kid })
        .sign(key);
    },
    jwks() {
      return { keys: publicKeys };
    },
  };
}

async function currentKey(db: Kysely<Database>) {
  return db
    .selectFrom("signing_key")
    .select(["kid", "private_jwk"])
    .where("retired_at", "is", null)
    .orderBy("created_at")
    .orderBy("kid")
    .limit(1)
    .executeTakeFirst();
}
