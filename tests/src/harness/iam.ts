import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { createTestDatabaseUrl } from "@eddie-marketplace/marketplace/src/db/test-database.js";
import * as oidc from "openid-client";
import { jsonLine, marketplacePorts, type RunningProgram, startProgram } from "./program.js";

/**
 * Helpers for whole-system tests that need real identities: the bundled IAM
 * as a real process, and real access tokens obtained the way the apps get
 * them (authorization code + PKCE through the sign-up or login page) or the
 * way EP backends do (client credentials).
 *
 * @example
 * const database = await freshDatabaseUrl(); // PostgreSQL when the run has one
 * const iam = await startIam({ DATABASE_URL: database.url });
 * const mp = await startMarketplaceFor(iam, { DATABASE_URL: database.url });
 * const alice = await signUp(iam, { role: "customer" });
 * const acme = await signUp(iam, { role: "eligible_party", organisation: "Acme Energy" });
 * // call http://127.0.0.1:${mp.ready.httpPort} with `Authorization: Bearer ${alice.accessToken}`
 * await mp.stop();
 * await iam.stop();
 * await database.drop();
 */

/** A running IAM process. */
export interface TestIam {
  /** The issuer URL (http://127.0.0.1:<port>); give it to the Marketplace as OIDC_ISSUER. */
  readonly issuer: string;
  readonly port: number;
  /** The token the Marketplace needs (IAM_ADMIN_TOKEN) to manage API clients. */
  readonly adminToken: string;
  /** The audience its access tokens name. */
  readonly audience: string;
  readonly program: RunningProgram<{ port: number; issuer: string }>;
  /** Stops the process (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts the IAM (`marketplace/src/iam/main.ts`) as a real process on a free
 * port of 127.0.0.1. It uses a fresh embedded database in a temporary folder,
 * unless `env.DATABASE_URL` names a PostgreSQL database. `env` is passed on
 * and may override anything (IAM_DEMO_ACCOUNTS: "1" adds the demo accounts).
 */
export async function startIam(env: Record<string, string | undefined> = {}): Promise<TestIam> {
  const adminToken = env.IAM_ADMIN_TOKEN ?? randomBytes(24).toString("base64url");
  const audience = env.OIDC_AUDIENCE ?? "urn:eddie:marketplace";
  const program = await startProgram({
    name: "iam",
    cwd: "marketplace",
    args: ["src/iam/main.ts"],
    env: {
      IAM_HOST: "127.0.0.1",
      IAM_PORT: "0",
      IAM_DATA_DIR: `${tmpdir()}/iam-${process.pid}-${randomBytes(4).toString("hex")}`,
      IAM_ADMIN_TOKEN: adminToken,
      OIDC_AUDIENCE: audience,
      ...env,
    },
    ready: iamReady,
  });
  return {
    issuer: program.ready.issuer,
    port: program.ready.port,
    adminToken,
    audience,
    program,
    async stop() {
      await program.stop();
    },
  };
}

/**
 * A fresh PostgreSQL database for one test file's IAM and Marketplace when
 * the run has PostgreSQL (TEST_DATABASE_URL), else `url` is undefined and the
 * programs use their embedded databases. Call `drop()` after stopping them.
 */
export async function freshDatabaseUrl(): Promise<{
  url: string | undefined;
  drop(): Promise<void>;
}> {
  if (!process.env.TEST_DATABASE_URL) return { url: undefined, drop: async () => {} };
  return createTestDatabaseUrl();
}

/** The IAM's ready line: `{"msg":"listening","port":N,"issuer":"..."}`. */
export function iamReady(line: string): { port: number; issuer: string } | undefined {
  const j = jsonLine(line);
  if (j?.msg !== "listening" || j.service !== "iam") return undefined;
  return { port: Number(j.port), issuer: String(j.issuer) };
}

/**
 * The environment a Marketplace process needs to trust this IAM and manage
 * API clients in it: OIDC_ISSUER, OIDC_AUDIENCE, IAM_ADMIN_URL, IAM_ADMIN_TOKEN.
 */
export function marketplaceEnvFor(iam: TestIam): Record<string, string> {
  return {
    OIDC_ISSUER: iam.issuer,
    OIDC_AUDIENCE: iam.audience,
    IAM_ADMIN_URL: `http://127.0.0.1:${iam.port}`,
    IAM_ADMIN_TOKEN: iam.adminToken,
  };
}

/**
 * Starts the Marketplace (`marketplace/src/main.ts`) as a real process on
 * free ports of 127.0.0.1, trusting `iam` and able to manage API clients in
 * it. Uses PostgreSQL when `env.DATABASE_URL` is set, else a fresh embedded
 * database.
 */
export async function startMarketplaceFor(
  iam: TestIam,
  env: Record<string, string | undefined> = {},
): Promise<RunningProgram<{ httpPort: number; grpcPort: number }>> {
  return startProgram({
    name: "marketplace",
    cwd: "marketplace",
    args: ["src/main.ts"],
    env: {
      ...marketplaceEnvFor(iam),
      MARKETPLACE_HOST: "127.0.0.1",
      MARKETPLACE_PORT: "0",
      MARKETPLACE_GRPC_HOST: "127.0.0.1",
      MARKETPLACE_GRPC_PORT: "0",
      MARKETPLACE_DATA_DIR: `${tmpdir()}/mp-${process.pid}-${randomBytes(4).toString("hex")}`,
      ...env,
    },
    ready: marketplacePorts,
  });
}

/** The app clients the IAM knows, with the redirect URI each must use. */
export const appClients = {
  web: { clientId: "eddie-web", redirectUri: "http://localhost:5173/callback" },
  mobile: { clientId: "eddie-mobile", redirectUri: "http://localhost:5174/callback" },
} as const;

/** Tokens and identity of a person signed in through the real flow. */
export interface SignedIn {
  readonly accessToken: string;
  readonly idToken: string | undefined;
  readonly refreshToken: string | undefined;
  /** The token subject: the person's account id. */
  readonly subject: string;
  readonly email: string;
  readonly password: string;
  /** The organisation id of an eligible party (the `org_id` claim). */
  readonly organisationId: string | undefined;
  readonly claims: Record<string, unknown>;
}

/** A new person to sign up; omitted fields get fresh unique values. */
export interface NewPerson {
  readonly role: "customer" | "eligible_party";
  readonly email?: string;
  readonly password?: string;
  readonly displayName?: string;
  /** The organisation's name; required by the IAM for an eligible party (default: unique). */
  readonly organisation?: string;
}

/**
 * Signs a new person up through the IAM's real sign-up page and the
 * authorization code + PKCE flow (openid-client), as the apps do: the EP Web
 * App's client for eligible parties, the Mobile App's for customers.
 * Returns their real access token.
 */
export async function signUp(iam: TestIam, person: NewPerson): Promise<SignedIn> {
  const unique = randomBytes(5).toString("hex");
  const email = person.email ?? `${person.role}-${unique}@example.test`;
  const password = person.password ?? `Pw-${randomBytes(9).toString("base64url")}`;
  const organisation =
    person.organisation ?? (person.role === "eligible_party" ? `Org ${unique}` : "");
  const form = {
    role: person.role,
    email,
    password,
    display_name: person.displayName ?? `Test ${person.role} ${unique}`,
    organisation,
  };
  const app = person.role === "eligible_party" ? appClients.web : appClients.mobile;
  const tokens = await authorize(iam, app, { screen_hint: "signup" }, async (page, browser) => {
    const submitted = await browser.submit(page, "signup", form);
    if (submitted.status !== "redirect") {
      throw new Error(`sign-up refused: ${pageMessages(submitted.body).join(" ")}`);
    }
    return submitted.location;
  });
  return { ...tokens, email, password };
}

/**
 * Logs an existing person in through the IAM's login page (code + PKCE).
 * `app` picks the client: "web" (EP Web App) or "mobile" (Mobile App).
 */
export async function logIn(
  iam: TestIam,
  credentials: { email: string; password: string; app?: keyof typeof appClients },
): Promise<SignedIn> {
  const app = appClients[credentials.app ?? "web"];
  const tokens = await authorize(iam, app, {}, async (page, browser) => {
    const submitted = await browser.submit(page, "login", {
      email: credentials.email,
      password: credentials.password,
    });
    if (submitted.status !== "redirect") {
      throw new Error(`login refused: ${pageMessages(submitted.body).join(" ")}`);
    }
    return submitted.location;
  });
  return { ...tokens, email: credentials.email, password: credentials.password };
}

/**
 * Opens the IAM's sign-up page as an app would send a person there (start of
 * an authorization code + PKCE request with `screen_hint=signup`), for tests
 * that fill the form themselves.
 *
 * @example
 * const { browser, page } = await openSignUpPage(iam);
 * const answer = await browser.submit(page, "signup", { role: "customer", ... });
 */
export function openSignUpPage(
  iam: TestIam,
  app: keyof typeof appClients = "mobile",
): Promise<{ browser: HeadlessBrowser; page: { url: string; body: string; code: number } }> {
  return openAuthorizationPage(iam, app, { screen_hint: "signup" });
}

/** Opens the IAM's login page as an app would send a person there. */
export function openLoginPage(
  iam: TestIam,
  app: keyof typeof appClients = "web",
): Promise<{ browser: HeadlessBrowser; page: { url: string; body: string; code: number } }> {
  return openAuthorizationPage(iam, app, {});
}

async function openAuthorizationPage(
  iam: TestIam,
  app: keyof typeof appClients,
  extra: Record<string, string>,
): Promise<{ browser: HeadlessBrowser; page: { url: string; body: string; code: number } }> {
  const client = appClients[app];
  const config = await oidc.discovery(
    new URL(iam.issuer),
    client.clientId,
    undefined,
    oidc.None(),
    {
      execute: [oidc.allowInsecureRequests],
    },
  );
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: client.redirectUri,
    scope: "openid email profile",
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: "S256",
    ...extra,
  });
  const browser = new HeadlessBrowser();
  const page = await browser.open(url.toString(), (u) => u.startsWith(client.redirectUri));
  if (page.status !== "page") throw new Error("the IAM did not show a page");
  return { browser, page };
}

/**
 * An access token for an EP API client, by the client credentials grant.
 * A refused client throws "the IAM refused the client: invalid_client".
 */
export async function clientCredentialsToken(
  iam: TestIam,
  client: { clientId: string; clientSecret: string },
): Promise<string> {
  const config = await oidc.discovery(
    new URL(iam.issuer),
    client.clientId,
    undefined,
    oidc.ClientSecretBasic(client.clientSecret),
    { execute: [oidc.allowInsecureRequests] },
  );
  try {
    const tokens = await oidc.clientCredentialsGrant(config);
    return tokens.access_token;
  } catch (err) {
    // A refused client comes back as a WWW-Authenticate challenge; name its error.
    if (err instanceof oidc.WWWAuthenticateChallengeError) {
      const error = err.cause[0]?.parameters.error ?? "unknown";
      throw new Error(`the IAM refused the client: ${error}`, { cause: err });
    }
    throw err;
  }
}

/** The messages (alerts and field errors) an IAM page shows. */
export function pageMessages(html: string): string[] {
  return [...html.matchAll(/role="alert"[^>]*>([^<]*)</g)].map((m) =>
    (m[1] ?? "").replaceAll("&#39;", "'").replaceAll("&quot;", '"').replaceAll("&amp;", "&"),
  );
}

/** A page the IAM answered: a redirect to follow, or HTML to read. */
export type PageResult =
  | { status: "redirect"; location: string }
  | { status: "page"; code: number; body: string; url: string };

/**
 * A very small browser: a cookie jar and manual redirects, enough to walk the
 * IAM's server-rendered pages without a real browser.
 */
export class HeadlessBrowser {
  private readonly cookies = new Map<string, string>();

  /** GET `url` and follow redirects until a page, or a URL outside the IAM. */
  async open(url: string, stopAt: (url: string) => boolean): Promise<PageResult> {
    let current = url;
    for (let hops = 0; hops < 20; hops++) {
      if (stopAt(current)) return { status: "redirect", location: current };
      const res = await this.fetch(current, { method: "GET" });
      const next = res.headers.get("location");
      if (next === null) {
        return { status: "page", code: res.status, body: await res.text(), url: current };
      }
      current = new URL(next, current).toString();
    }
    throw new Error("too many redirects");
  }

  /** POSTs `fields` as a form to `<page url>/<action>`; a redirect is returned unfollowed. */
  async submit(
    page: { url: string },
    action: string,
    fields: Record<string, string>,
  ): Promise<PageResult> {
    const base = page.url.replace(/\/(login|signup|abort)$/, "");
    const url = `${base}/${action}`;
    const res = await this.fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
    const next = res.headers.get("location");
    if (next !== null) return { status: "redirect", location: new URL(next, url).toString() };
    return { status: "page", code: res.status, body: await res.text(), url };
  }

  /** POSTs `fields` as a form to `url`; a redirect is returned unfollowed. */
  async post(url: string, fields: Record<string, string>): Promise<PageResult> {
    const res = await this.fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
    const next = res.headers.get("location");
    if (next !== null) return { status: "redirect", location: new URL(next, url).toString() };
    return { status: "page", code: res.status, body: await res.text(), url };
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    const host = new URL(url).host;
    const jar = [...this.cookies].filter(([k]) => k.startsWith(`${host} `));
    if (jar.length > 0)
      headers.set("cookie", jar.map(([k, v]) => `${k.split(" ")[1]}=${v}`).join("; "));
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (pair === undefined || eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(c) || value === "")
        this.cookies.delete(`${host} ${name}`);
      else this.cookies.set(`${host} ${name}`, value);
    }
    return res;
  }
}

/**
 * Runs one authorization code + PKCE flow: opens the authorization URL, lets
 * `interact` fill the IAM's page and return where the IAM redirected, follows
 * redirects to the app's callback and exchanges the code.
 */
export async function authorize(
  iam: TestIam,
  app: { clientId: string; redirectUri: string },
  extra: Record<string, string>,
  interact: (page: { url: string; body: string }, browser: HeadlessBrowser) => Promise<string>,
  browser = new HeadlessBrowser(),
): Promise<Omit<SignedIn, "email" | "password">> {
  const config = await oidc.discovery(new URL(iam.issuer), app.clientId, undefined, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: app.redirectUri,
    scope: "openid email profile offline_access",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    ...extra,
  });
  const atCallback = (u: string) => u.startsWith(app.redirectUri);
  const first = await browser.open(url.toString(), atCallback);
  let callback: string;
  if (first.status === "page") {
    const location = await interact(first, browser);
    const after = await browser.open(location, atCallback);
    if (after.status !== "redirect") {
      throw new Error(
        `the IAM stopped at ${after.url} (${after.code}): ${after.body.slice(0, 300)}`,
      );
    }
    callback = after.location;
  } else {
    callback = first.location;
  }
  const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  const claims = JSON.parse(
    Buffer.from(tokens.access_token.split(".")[1] ?? "", "base64url").toString(),
  ) as Record<string, unknown>;
  return {
    accessToken: tokens.access_token,
    idToken: tokens.id_token,
    refreshToken: tokens.refresh_token,
    subject: String(claims.sub),
    organisationId: typeof claims.org_id === "string" ? claims.org_id : undefined,
    claims,
  };
}
