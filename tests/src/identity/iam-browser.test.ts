import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appClients, freshDatabaseUrl, startIam, type TestIam } from "../harness/iam.js";
import { launchBrowser, type TestBrowser } from "../web/browser.js";

describe("the IAM's pages in a real browser", () => {
  let iam: TestIam;
  let database: Awaited<ReturnType<typeof freshDatabaseUrl>> | undefined;
  let browser: TestBrowser;
  beforeAll(async () => {
    database = await freshDatabaseUrl();
    iam = await startIam({ DATABASE_URL: database.url });
    browser = await launchBrowser({ width: 400, height: 860 });
  });
  afterAll(async () => {
    await browser?.close();
    await iam?.stop();
    await database?.drop();
  });

  /** Starts an app's sign-in in the browser; resolves with the callback URL the IAM sends it to. */
  async function startSignIn(extra: Record<string, string>) {
    const app = appClients.web;
    const config = await oidc.discovery(new URL(iam.issuer), app.clientId, undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: app.redirectUri,
      scope: "openid email profile",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      ...extra,
    });
    const page = await browser.context.newPage();
    const callback = new Promise<string>((resolve) => {
      void page.route(`${app.redirectUri}**`, (route) => {
        resolve(route.request().url());
        void route.fulfill({ contentType: "text/html", body: "<p>back in the app</p>" });
      });
    });
    const violations: string[] = [];
    page.on("console", (m) => {
      if (m.text().includes("Content Security Policy")) violations.push(m.text());
    });
    await page.goto(url.toString());
    return { page, callback, violations, config, verifier };
  }

  it("signs an eligible party up and returns to the app with a code that yields tokens", async () => {
    const { page, callback, violations, config, verifier } = await startSignIn({
      screen_hint: "signup",
    });
    expect(await page.isChecked('input[value="eligible_party"]')).toBe(true);
    await page.fill("#organisation", "Browser Energy");
    await page.fill("#display_name", "Bea Browser");
    await page.fill("#email", "bea@browser.test");
    await page.fill("#password", "Sturdy-Pass-91");
    await page.click("button[type=submit]");
    const back = new URL(await callback);
    expect(back.searchParams.get("code")).toBeTruthy();
    expect(violations).toEqual([]);
    const tokens = await oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier });
    const claims = JSON.parse(
      Buffer.from(tokens.access_token.split(".")[1] ?? "", "base64url").toString(),
    );
    expect(claims).toMatchObject({ role: "eligible_party", org_name: "Browser Energy" });
    await page.close();
  });

  it("shows a wrong password on the login page, then logs in", async () => {
    await browser.context.clearCookies();
    const { page, callback, violations } = await startSignIn({});
    await page.fill("#email", "bea@browser.test");
    await page.fill("#password", "Wrong-Pass-00");
    await page.click("button[type=submit]");
    await expect(page.locator('[role="alert"]').textContent()).resolves.toBe(
      "Wrong e-mail address or password.",
    );
    await page.fill("#password", "Sturdy-Pass-91");
    await page.click("button[type=submit]");
    expect(new URL(await callback).searchParams.get("code")).toBeTruthy();
    expect(violations).toEqual([]);

    await page.waitForURL(`${appClients.web.redirectUri}**`);

    // Log out: the IAM asks, then sends the person back to the app.
    const loggedOut = new Promise<string>((resolve) => {
      void page.route("http://localhost:5173/", (route) => {
        resolve(route.request().url());
        void route.fulfill({ contentType: "text/html", body: "<p>signed out</p>" });
      });
    });
    const end = new URL(`${iam.issuer}/session/end`);
    end.searchParams.set("client_id", appClients.web.clientId);
    end.searchParams.set("post_logout_redirect_uri", "http://localhost:5173/");
    await page.goto(end.toString());
    await page.getByRole("button", { name: "Log out" }).click();
    expect(await loggedOut).toBe("http://localhost:5173/");
    await page.close();
  });
});
