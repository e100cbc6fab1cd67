import {
  Code,
  ConnectError,
  createMarketplaceClient,
  Role,
  staticToken,
} from "@eddie-marketplace/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clientCredentialsToken,
  freshDatabaseUrl,
  logIn,
  signUp,
  startIam,
  startMarketplaceFor,
  type TestIam,
} from "../harness/iam.js";
import type { RunningProgram } from "../harness/program.js";

describe("accounts across the real IAM and the real Marketplace", () => {
  let iam: TestIam;
  let database: Awaited<ReturnType<typeof freshDatabaseUrl>> | undefined;
  let mp: RunningProgram<{ httpPort: number; grpcPort: number }>;
  /** AccountService through the SDK, calling with `token` as the bearer token. */
  const accounts = (token: string) =>
    createMarketplaceClient({
      baseUrl: `http://127.0.0.1:${mp.ready.httpPort}`,
      tokenProvider: staticToken(token),
    }).account;

  beforeAll(async () => {
    database = await freshDatabaseUrl();
    iam = await startIam({ DATABASE_URL: database.url });
    mp = await startMarketplaceFor(iam, { DATABASE_URL: database.url });
  });
  afterAll(async () => {
    await mp?.stop();
    await iam?.stop();
    await database?.drop();
  });

  it("signs a customer up and logs them in with openid-client (code + PKCE); GetMe creates their account once", async () => {
    const alice = await signUp(iam, { role: "customer", displayName: "Alice Household" });
    const me = await accounts(alice.accessToken).getMe({});
    expect(me.account).toMatchObject({
      subject: alice.subject,
      role: Role.CUSTOMER,
      displayName: "Alice Household",
      email: alice.email,
    });
    expect(me.account?.organisation).toBeUndefined();

    const renamed = await accounts(alice.accessToken).updateProfile({ displayName: "  Alice  " });
    expect(renamed.account?.displayName).toBe("Alice");
    // Logging in again later (another app) reaches the same account.
    const later = await logIn(iam, { email: alice.email, password: alice.password, app: "web" });
    const again = await accounts(later.accessToken).getMe({});
    expect(again.account?.displayName).toBe("Alice");
    expect(again.account?.createdAt).toEqual(me.account?.createdAt);
  });

  it("refuses an empty display name with the field named", async () => {
    const bob = await signUp(iam, { role: "customer" });
    const err = await accounts(bob.accessToken)
      .updateProfile({ displayName: "   " })
      .catch((e: unknown) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    expect((err as ConnectError).message).toContain("display_name");
  });

  it("lets an eligible party make an API client whose tokens work until it is revoked", async () => {
    const ep = await signUp(iam, { role: "eligible_party", organisation: "Volta Analytics" });
    const me = await accounts(ep.accessToken).getMe({});
    expect(me.account?.organisation).toMatchObject({
      id: ep.organisationId,
      name: "Volta Analytics",
    });

    const created = await accounts(ep.accessToken).createApiClient({ name: "billing backend" });
    const clientId = created.client?.clientId ?? "";
    expect(clientId).toMatch(/^epc_/);
    expect(created.clientSecret.length).toBeGreaterThan(30);
    const listed = await accounts(ep.accessToken).listApiClients({});
    expect(listed.clients.map((c) => c.clientId)).toEqual([clientId]);

    const backendToken = await clientCredentialsToken(iam, {
      clientId,
      clientSecret: created.clientSecret,
    });
    const backend = await accounts(backendToken).getMe({});
    expect(backend.account).toMatchObject({
      subject: clientId,
      role: Role.ELIGIBLE_PARTY,
      organisation: { id: ep.organisationId, name: "Volta Analytics" },
    });
    // A backend can't mint more backends.
    await expect(accounts(backendToken).createApiClient({ name: "x" })).rejects.toMatchObject({
      code: Code.PermissionDenied,
    });

    // Another organisation can't see or revoke it.
    const other = await signUp(iam, { role: "eligible_party" });
    expect((await accounts(other.accessToken).listApiClients({})).clients).toEqual([]);
    await expect(accounts(other.accessToken).revokeApiClient({ clientId })).rejects.toMatchObject({
      code: Code.NotFound,
    });

    await accounts(ep.accessToken).revokeApiClient({ clientId });
    expect((await accounts(ep.accessToken).listApiClients({})).clients).toEqual([]);
    // The token it already holds stops working at once, and it gets no new one.
    await expect(accounts(backendToken).getMe({})).rejects.toMatchObject({
      code: Code.Unauthenticated,
    });
    await expect(
      clientCredentialsToken(iam, { clientId, clientSecret: created.clientSecret }),
    ).rejects.toThrow(/refused the client: invalid_client/);
  });

  it("refuses a wrong client secret", async () => {
    const ep = await signUp(iam, { role: "eligible_party" });
    const created = await accounts(ep.accessToken).createApiClient({ name: "ingest" });
    await expect(
      clientCredentialsToken(iam, {
        clientId: created.client?.clientId ?? "",
        clientSecret: `${created.clientSecret}x`,
      }),
    ).rejects.toThrow(/refused the client: invalid_client/);
  });

  it("refuses an ID token, a tampered token and another IAM's token as UNAUTHENTICATED", async () => {
    const dave = await signUp(iam, { role: "customer" });
    await expect(accounts(dave.idToken ?? "").getMe({})).rejects.toMatchObject({
      code: Code.Unauthenticated,
    });
    const [h, p, sig] = dave.accessToken.split(".");
    const claims = JSON.parse(Buffer.from(p ?? "", "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, role: "eligible_party", org_id: "x" }));
    await expect(
      accounts(`${h}.${forged.toString("base64url")}.${sig}`).getMe({}),
    ).rejects.toMatchObject({ code: Code.Unauthenticated });

    const otherDatabase = await freshDatabaseUrl();
    const otherIam = await startIam({ DATABASE_URL: otherDatabase.url });
    try {
      const stranger = await signUp(otherIam, { role: "customer" });
      await expect(accounts(stranger.accessToken).getMe({})).rejects.toMatchObject({
        code: Code.Unauthenticated,
      });
    } finally {
      await otherIam.stop();
      await otherDatabase.drop();
    }
  });

  it("does not let a customer manage API clients", async () => {
    const carol = await signUp(iam, { role: "customer" });
    await expect(accounts(carol.accessToken).createApiClient({ name: "x" })).rejects.toMatchObject({
      code: Code.PermissionDenied,
    });
  });
});
