import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appClients,
  authorize,
  freshDatabaseUrl,
  HeadlessBrowser,
  logIn,
  openLoginPage,
  pageMessages,
  signUp,
  startIam,
  type TestIam,
} from "../harness/iam.js";

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

describe("IAM sessions, logout and request checks", () => {
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

  it("keeps a person signed in for the next app request, and logs them out", async () => {
    const browser = new HeadlessBrowser();
    const person = await signUp(iam, { role: "eligible_party" });
    const login = async (page: { url: string }, b: HeadlessBrowser) => {
      const r = await b.submit(page, "login", { email: person.email, password: person.password });
      if (r.status !== "redirect") throw new Error("login refused");
      return r.location;
    };
    const first = await authorize(iam, appClients.web, {}, login, browser);
    expect(first.subject).toBe(person.subject);

    let askedAgain = false;
    const second = await authorize(
      iam,
      appClients.web,
      {},
      async (page, b) => {
        askedAgain = true;
        return login(page, b);
      },
      browser,
    );
    expect(askedAgain).toBe(false);
    expect(second.subject).toBe(person.subject);

    const end = new URL(`${iam.issuer}/session/end`);
    end.searchParams.set("id_token_hint", second.idToken ?? "");
    end.searchParams.set("post_logout_redirect_uri", "http://localhost:5173/");
    const confirm = await browser.open(end.toString(), (u) =>
      u.startsWith("http://localhost:5173/"),
    );
    if (confirm.status !== "page") throw new Error("no logout page");
    expect(confirm.body).toContain("Log out?");
    const action = /<form[^>]*action="([^"]+)"/.exec(confirm.body)?.[1] ?? "";
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)?.[1] ?? "";
    const done = await browser.post(new URL(action, iam.issuer).toString(), {
      xsrf,
      logout: "yes",
    });
    expect(done).toMatchObject({ status: "redirect", location: "http://localhost:5173/" });

    const third = await authorize(
      iam,
      appClients.web,
      {},
      async (page, b) => {
        askedAgain = true;
        expect(page.body).toContain("Log in to");
        return login(page, b);
      },
      browser,
    );
    expect(askedAgain).toBe(true);
    expect(third.subject).toBe(person.subject);
  });

  it("stops password guessing for an address after five failures", async () => {
    const victim = await signUp(iam, { role: "customer" });
    const { browser, page } = await openLoginPage(iam);
    for (let i = 0; i < 5; i++) {
      const wrong = await browser.submit(page, "login", {
        email: victim.email,
        password: `guess-${i}-wrong`,
      });
      expect(wrong).toMatchObject({ status: "page", code: 401 });
      expect(wrong.status === "page" && pageMessages(wrong.body)).toEqual([
        "Wrong e-mail address or password.",
      ]);
    }
    const right = await browser.submit(page, "login", {
      email: victim.email,
      password: victim.password,
    });
    expect(right).toMatchObject({ status: "page", code: 429 });
    expect(right.status === "page" && pageMessages(right.body)[0]).toMatch(
      /Too many failed attempts for this e-mail address. Try again in 15 minutes./,
    );
  });

  it("refuses a redirect URI the app did not register, on its own page", async () => {
    const url = new URL(`${iam.issuer}/auth`);
    for (const [k, v] of Object.entries({
      client_id: appClients.web.clientId,
      redirect_uri: "https://evil.example/callback",
      response_type: "code",
      scope: "openid",
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
    })) {
      url.searchParams.set(k, v);
    }
    const page = await new HeadlessBrowser().open(url.toString(), (u) =>
      u.startsWith("https://evil"),
    );
    expect(page).toMatchObject({ status: "page", code: 400 });
    expect(page.status === "page" && page.body).toContain("redirect_uri");
  });

  it("refuses an app request without PKCE", async () => {
    const url = new URL(`${iam.issuer}/auth`);
    for (const [k, v] of Object.entries({
      client_id: appClients.mobile.clientId,
      redirect_uri: appClients.mobile.redirectUri,
      response_type: "code",
      scope: "openid",
    })) {
      url.searchParams.set(k, v);
    }
    const answer = await new HeadlessBrowser().open(url.toString(), (u) =>
      u.startsWith(appClients.mobile.redirectUri),
    );
    expect(answer.status).toBe("redirect");
    const back = new URL(answer.status === "redirect" ? answer.location : "http://x");
    expect(back.searchParams.get("error")).toBe("invalid_request");
    expect(back.searchParams.get("error_description")).toMatch(/PKCE/);
  });

  it("lets the apps' origins call the token endpoint from a browser, and no one else", async () => {
    const preflight = (origin: string) =>
      fetch(`${iam.issuer}/token`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST" },
      });
    const web = await fetch(`${iam.issuer}/token`, {
      method: "POST",
      headers: {
        origin: "http://localhost:5173",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "grant_type=authorization_code&code=nope&client_id=eddie-web&redirect_uri=http://localhost:5173/callback&code_verifier=x",
    });
    expect(web.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    expect((await preflight("http://localhost:5173")).status).toBeLessThan(300);
    const evil = await fetch(`${iam.issuer}/token`, {
      method: "POST",
      headers: {
        origin: "https://evil.example",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "grant_type=authorization_code&code=nope&client_id=eddie-web&redirect_uri=http://localhost:5173/callback&code_verifier=x",
    });
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
  });
});
