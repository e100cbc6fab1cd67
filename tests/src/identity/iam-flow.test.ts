import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabaseUrl, logIn, signUp, startIam, type TestIam } from "../harness/iam.js";

describe("the IAM as a real process", () => {
  let iam: TestIam;
  let database: Awaited<ReturnType<typeof freshDatabaseUrl>> | undefined;
  beforeAll(async () => {
    database = await freshDatabaseUrl();
    iam = await startIam({ DATABASE_URL: database.url });
  });
  afterAll(async () => {
    await iam?.stop();
    await database?.drop();
  });

  it("signs up an eligible party and issues an ES256 at+jwt access token with role and organisation", async () => {
    const ep = await signUp(iam, { role: "eligible_party", organisation: "Acme Energy" });
    expect(decodeProtectedHeader(ep.accessToken)).toMatchObject({ alg: "ES256", typ: "at+jwt" });
    expect(ep.claims).toMatchObject({
      iss: iam.issuer,
      aud: "urn:eddie:marketplace",
      sub: ep.subject,
      role: "eligible_party",
      org_name: "Acme Energy",
      email: ep.email,
    });
    expect(ep.organisationId).toMatch(/^org_/);
    expect(ep.refreshToken).toBeDefined();
  });

  it("logs a signed-up customer in again with the same subject", async () => {
    const first = await signUp(iam, { role: "customer" });
    const again = await logIn(iam, { email: first.email, password: first.password, app: "mobile" });
    expect(again.subject).toBe(first.subject);
    expect(again.claims.role).toBe("customer");
    expect(again.claims.org_id).toBeUndefined();
  });
});
