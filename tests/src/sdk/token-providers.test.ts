import { randomBytes } from "node:crypto";
import {
  beginSignIn,
  Code,
  ConnectError,
  clientCredentials,
  completeSignIn,
  createMarketplaceClient,
  type PendingAuthorization,
  Role,
  refreshTokens,
  signOutUrl,
  staticToken,
  type TokenSet,
  userSession,
} from "@eddie-marketplace/sdk";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appClients,
  freshDatabaseUrl,
  HeadlessBrowser,
  pageMessages,
  signUp,
  startIam,
  startMarketplaceFor,
  type TestIam,
} from "../harness/iam.js";
import type { RunningProgram } from "../harness/program.js";

// The SDK's token providers against the real IAM (oidc-provider) and the
// real Marketplace checking the tokens they hand out.
describe("SDK token providers against the real IAM", () => {
  let iam: TestIam;
  let mpProgram: RunningProgram<{ httpPort: number; grpcPort: number }>;
  let baseUrl: string;
  let database: Awaited<ReturnType<typeof freshDatabaseUrl>> | undefined;

  beforeAll(async () => {
    // A database of this file's own, dropped after, so no run sees another's accounts.
    database = await freshDatabaseUrl();
    const db = { DATABASE_URL: database.url };
    iam = await startIam(db);
    mpProgram = await startMarketplaceFor(iam, db);
    baseUrl = `http://127.0.0.1:${mpProgram.ready.httpPort}`;
  });
  afterAll(async () => {
    await mpProgram?.stop();
    await iam?.stop();
    await database?.drop();
  });

  /** Signs a new person up with the SDK's PKCE functions and the IAM's real sign-up page. */
  async function signUpWithSdk(role: "customer" | "eligible_party"): Promise<{
    tokens: TokenSet;
    pending: PendingAuthorization;
    email: string;
  }> {
    const app = role === "customer" ? appClients.mobile : appClients.web;
    const options = { issuer: iam.issuer, ...app };
    const { url, pending } = await beginSignIn({
      ...options,
      extraParams: { screen_hint: "signup" },
    });
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("state")).toBe(pending.state);
    const browser = new HeadlessBrowser();
    const atCallback = (u: string) => u.startsWith(app.redirectUri);
    const page = await browser.open(url.toString(), atCallback);
    if (page.status !== "page") throw new Error("expected the sign-up page");
    const unique = randomBytes(4).toString("hex");
    const email = `sdk-${unique}@example.test`;
    const submitted = await browser.submit(page, "signup", {
      role,
      email,
      password: `Pw-${randomBytes(9).toString("base64url")}`,
      display_name: `SDK ${role} ${unique}`,
      organisation: role === "eligible_party" ? `SDK Org ${unique}` : "",
    });
    if (submitted.status !== "redirect") {
      throw new Error(`sign-up refused: ${pageMessages(submitted.body).join(" ")}`);
    }
    const callback = await browser.open(submitted.location, atCallback);
    if (callback.status !== "redirect") throw new Error(`stopped at ${callback.url}`);
    const tokens = await completeSignIn(options, callback.location, pending);
    return { tokens, pending, email };
  }

  it("signs a customer in with authorization code + PKCE; the Marketplace accepts the token", async () => {
    const { tokens, email } = await signUpWithSdk("customer");
    const header = decodeProtectedHeader(tokens.accessToken);
    expect(header.typ).toBe("at+jwt");
    expect(decodeJwt(tokens.accessToken).aud).toBe(iam.audience);
    expect(tokens.expiresAt).toBeGreaterThan(Date.now());
    const mp = createMarketplaceClient({ baseUrl, tokenProvider: staticToken(tokens.accessToken) });
    const { account } = await mp.account.getMe({});
    expect(account?.role).toBe(Role.CUSTOMER);
    expect(account?.email).toBe(email);
  });

  it("refreshes: refreshTokens and a userSession that renews by itself before expiry", async () => {
    const { tokens } = await signUpWithSdk("customer");
    expect(tokens.refreshToken).toBeTruthy();
    const app = { issuer: iam.issuer, clientId: appClients.mobile.clientId };
    const refreshed = await refreshTokens(app, tokens.refreshToken ?? "");
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(decodeJwt(refreshed.accessToken).sub).toBe(decodeJwt(tokens.accessToken).sub);

    const stored: TokenSet[] = [];
    // Renew when less than a day is left: every call renews, as at the end of a lifetime.
    const session = userSession(app, refreshed, {
      refreshBeforeMs: 86_400_000,
      onTokens: (t) => stored.push(t),
    });
    const mp = createMarketplaceClient({ baseUrl, tokenProvider: session });
    const { account } = await mp.account.getMe({});
    expect(account?.role).toBe(Role.CUSTOMER);
    expect(stored).toHaveLength(1);
    expect(session.tokens().accessToken).toBe(stored[0]?.accessToken);
  });

  it("refuses a callback of another sign-in or issuer, a code the IAM never issued, and a declined sign-in", async () => {
    const { pending } = await signUpWithSdk("customer");
    const options = { issuer: iam.issuer, ...appClients.mobile };
    const forged = `${appClients.mobile.redirectUri}?code=abc&state=not-${pending.state}&iss=${encodeURIComponent(iam.issuer)}`;
    await expect(completeSignIn(options, forged, pending)).rejects.toMatchObject({
      code: Code.InvalidArgument,
    });
    const unknownCode = `${appClients.mobile.redirectUri}?code=abc&state=${pending.state}&iss=${encodeURIComponent(iam.issuer)}`;
    await expect(completeSignIn(options, unknownCode, pending)).rejects.toMatchObject({
      code: Code.Unauthenticated,
    });
    const otherIssuer = `${appClients.mobile.redirectUri}?code=abc&state=${pending.state}&iss=${encodeURIComponent("https://evil.example")}`;
    await expect(completeSignIn(options, otherIssuer, pending)).rejects.toMatchObject({
      code: Code.InvalidArgument,
    });
    const declined = `${appClients.mobile.redirectUri}?error=access_denied&state=${pending.state}&iss=${encodeURIComponent(iam.issuer)}`;
    await expect(completeSignIn(options, declined, pending)).rejects.toMatchObject({
      code: Code.PermissionDenied,
    });
  });

  it("builds the IAM's logout URL", async () => {
    const { tokens } = await signUpWithSdk("customer");
    const url = await signOutUrl(
      { issuer: iam.issuer, clientId: appClients.mobile.clientId },
      { idToken: tokens.idToken, postLogoutRedirectUri: "http://localhost:5174/" },
    );
    expect(url?.origin).toBe(new URL(iam.issuer).origin);
    expect(url?.searchParams.get("id_token_hint")).toBe(tokens.idToken);
    const res = await fetch(url ?? "", { redirect: "manual" });
    expect(res.status).toBeLessThan(400);
  });

  it("gives an EP backend client-credentials tokens for an API client it created through the SDK, and stops when it is revoked", async () => {
    const ep = await signUp(iam, { role: "eligible_party", organisation: "Backend Energy" });
    const asPerson = createMarketplaceClient({
      baseUrl,
      tokenProvider: staticToken(ep.accessToken),
    });
    const created = await asPerson.account.createApiClient({ name: "billing backend" });
    const clientId = created.client?.clientId ?? "";

    const tokens = clientCredentials({
      issuer: iam.issuer,
      clientId,
      clientSecret: created.clientSecret,
    });
    const backend = createMarketplaceClient({ baseUrl, tokenProvider: tokens });
    const { account } = await backend.account.getMe({});
    expect(account?.role).toBe(Role.ELIGIBLE_PARTY);
    expect(account?.organisation?.name).toBe("Backend Energy");
    const first = tokens.current();
    expect(decodeJwt(first?.accessToken ?? "").sub).toBe(clientId);
    await backend.account.getMe({});
    expect(tokens.current()).toBe(first);

    await asPerson.account.revokeApiClient({ clientId });
    tokens.invalidate();
    const err = await tokens.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unauthenticated);
  });

  it("answers UNAUTHENTICATED for a wrong client secret", async () => {
    const tokens = clientCredentials({
      issuer: iam.issuer,
      clientId: "epc_doesnotexist",
      clientSecret: "nope",
    });
    await expect(tokens.getToken()).rejects.toMatchObject({ code: Code.Unauthenticated });
  });
});
