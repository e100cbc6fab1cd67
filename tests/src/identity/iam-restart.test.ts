import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { oidcTokenVerifier } from "@eddie-marketplace/marketplace/src/auth/oidc-token-verifier.js";
import { Code, createMarketplaceClient, staticToken } from "@eddie-marketplace/sdk";
import * as oidc from "openid-client";
import { afterAll, describe, expect, it } from "vitest";
import {
  appClients,
  freshDatabaseUrl,
  logIn,
  signUp,
  startIam,
  startMarketplaceFor,
  type TestIam,
} from "../harness/iam.js";

const demoCustomer = { email: "customer@demo.eddie.test", password: "Sunny-Meter-42" };
const demoEp = { email: "ep@demo.eddie.test", password: "Grid-Insight-77" };

describe("the IAM across a restart", () => {
  const dataDir = `${tmpdir()}/iam-restart-${randomBytes(4).toString("hex")}`;
  let iam: TestIam | undefined;
  let database: Awaited<ReturnType<typeof freshDatabaseUrl>> | undefined;
  afterAll(async () => {
    await iam?.stop();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps its keys, accounts and refresh tokens, and creates the demo accounts only once", async () => {
    database = await freshDatabaseUrl();
    const env = { IAM_DATA_DIR: dataDir, IAM_DEMO_ACCOUNTS: "1", DATABASE_URL: database.url };
    iam = await startIam(env);
    const keysBefore = await (await fetch(`${iam.issuer}/jwks`)).json();
    const customer = await logIn(iam, { ...demoCustomer, app: "mobile" });
    const ep = await logIn(iam, demoEp);
    expect(customer.claims.role).toBe("customer");
    expect(ep.claims).toMatchObject({ role: "eligible_party", org_name: "Demo Energy GmbH" });
    expect(customer.refreshToken).toBeDefined();
    const port = iam.port;
    await iam.stop();

    iam = await startIam({ ...env, IAM_PORT: String(port) });
    expect(iam.issuer).toBe(`http://127.0.0.1:${port}`);
    expect(await (await fetch(`${iam.issuer}/jwks`)).json()).toEqual(keysBefore);
    expect(iam.program.output.some((l) => l.includes("demo account created"))).toBe(false);

    // An access token from before the restart still verifies.
    const verifier = oidcTokenVerifier({ issuer: iam.issuer, audience: iam.audience });
    await expect(verifier.verify(customer.accessToken)).resolves.toMatchObject({
      subject: customer.subject,
    });

    // The refresh token from before the restart still works.
    const config = await oidc.discovery(
      new URL(iam.issuer),
      appClients.mobile.clientId,
      undefined,
      oidc.None(),
      { execute: [oidc.allowInsecureRequests] },
    );
    const refreshed = await oidc.refreshTokenGrant(config, customer.refreshToken ?? "");
    await expect(verifier.verify(refreshed.access_token)).resolves.toMatchObject({
      subject: customer.subject,
    });

    // The same demo people, with the same subjects.
    expect((await logIn(iam, demoEp)).subject).toBe(ep.subject);
  });
});

describe("the Marketplace while the IAM is away", () => {
  const dataDir = `${tmpdir()}/iam-away-${randomBytes(4).toString("hex")}`;
  let iam: TestIam | undefined;
  let mp: Awaited<ReturnType<typeof startMarketplaceFor>> | undefined;
  let database: Awaited<ReturnType<typeof freshDatabaseUrl>> | undefined;
  afterAll(async () => {
    await mp?.stop();
    await iam?.stop();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("answers UNAVAILABLE while it can't fetch the IAM's keys, and works once the IAM is back", async () => {
    database = await freshDatabaseUrl();
    const env = { IAM_DATA_DIR: dataDir, DATABASE_URL: database.url };
    iam = await startIam(env);
    const person = await signUp(iam, { role: "customer" });
    const { port, adminToken } = iam;
    await iam.stop();

    mp = await startMarketplaceFor(iam, { DATABASE_URL: database.url });
    const getMe = () =>
      createMarketplaceClient({
        baseUrl: `http://127.0.0.1:${mp?.ready.httpPort}`,
        tokenProvider: staticToken(person.accessToken),
      }).account.getMe({});
    await expect(getMe()).rejects.toMatchObject({ code: Code.Unavailable });

    iam = await startIam({ ...env, IAM_PORT: String(port), IAM_ADMIN_TOKEN: adminToken });
    await expect(getMe()).resolves.toMatchObject({ account: { subject: person.subject } });
  });
});
