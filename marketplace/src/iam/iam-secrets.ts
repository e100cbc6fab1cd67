import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import type { IamDb } from "./iam-database.js";

/** Key material the IAM needs, the same across restarts. */
export interface IamSecrets {
  /** Private signing keys: ES256 for access tokens, RS256 for ID tokens. */
  readonly jwks: { keys: JWK[] };
  /** Keys that sign the IAM's cookies. */
  readonly cookieKeys: string[];
}

async function makeSecrets(): Promise<IamSecrets> {
  const keys: JWK[] = [];
  for (const alg of ["ES256", "RS256"] as const) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = await exportJWK(privateKey);
    keys.push({
      ...jwk,
      alg,
      use: "sig",
      kid: `${alg.toLowerCase()}-${randomBytes(6).toString("hex")}`,
    });
  }
  return { jwks: { keys }, cookieKeys: [randomBytes(32).toString("base64url")] };
}

/**
 * The IAM's signing and cookie keys: made on first start and kept in the
 * database (`iam.secret`), so tokens and sessions survive restarts. Two IAMs
 * starting at once agree on the first one stored.
 */
export async function loadOrCreateSecrets(db: IamDb): Promise<IamSecrets> {
  const existing = await read(db);
  if (existing !== undefined) return existing;
  const fresh = await makeSecrets();
  await db
    .insertInto("iam.secret")
    .values({ name: "keys", value: JSON.stringify(fresh) })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  const stored = await read(db);
  if (stored === undefined) throw new Error("the IAM's keys could not be stored");
  return stored;
}

async function read(db: IamDb): Promise<IamSecrets | undefined> {
  const row = await db
    .selectFrom("iam.secret")
    .select("value")
    .where("name", "=", "keys")
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return (typeof row.value === "string" ? JSON.parse(row.value) : row.value) as IamSecrets;
}
