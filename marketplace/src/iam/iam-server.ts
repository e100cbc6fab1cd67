import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@eddie-marketplace/sdk/log";
import type Provider from "oidc-provider";
import type { DatabaseHandle } from "../db/database.js";
import { ensureDemoAccounts } from "./demo-accounts.js";
import { IamAccounts, SignUpRejected } from "./iam-accounts.js";
import type { IamConfig } from "./iam-config.js";
import { type IamDb, iamDb, migrateIam } from "./iam-database.js";
import { errorPage, loginPage, signUpPage } from "./iam-pages.js";
import { loadOrCreateSecrets } from "./iam-secrets.js";
import { LoginThrottle } from "./login-throttle.js";
import { databaseAdapter, purgeExpired } from "./oidc-adapter.js";
import {
  apiClientIdPrefix,
  createProvider,
  hashClientSecret,
  mobileClientId,
  webClientId,
} from "./oidc-provider-config.js";

/** A running IAM. */
export interface RunningIam {
  readonly issuer: string;
  readonly port: number;
  readonly provider: Provider;
  readonly accounts: IamAccounts;
  /** Stops listening and background work; the database stays open. */
  stop(): Promise<void>;
}

/**
 * Starts the IAM: migrates its schema, loads (or makes) its keys, creates the
 * demo accounts when asked, and serves OpenID Connect, the interaction pages
 * and the admin API on one HTTP listener.
 */
export async function startIamServer(options: {
  config: IamConfig;
  database: DatabaseHandle;
  log: Logger;
}): Promise<RunningIam> {
  const { config, log } = options;
  const db = iamDb(options.database.db);
  await migrateIam(db);
  const secrets = await loadOrCreateSecrets(db);
  const accounts = new IamAccounts(db);
  if (config.demoAccounts) await ensureDemoAccounts(accounts, log);

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
  const issuer = config.issuer ?? `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const provider = createProvider({ issuer, config, db, accounts, secrets, log });
  const oidc = provider.callback();
  const interactions = interactionRoutes(provider, accounts, log);
  const admin = adminRoutes(config.adminToken, db, provider, log);

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const handled = path.startsWith("/interaction/")
      ? interactions(req, res, path)
      : path.startsWith("/admin/")
        ? admin(req, res, path)
        : undefined;
    if (handled === undefined) {
      if (path === "/healthz") {
        res.writeHead(200, { "content-type": "text/plain" }).end("ok");
        return;
      }
      void oidc(req, res);
      return;
    }
    handled.catch((err: unknown) => {
      log.error("request failed", { err, path });
      if (res.headersSent) res.end();
      else if (path.startsWith("/admin/")) json(res, 500, { error: "the IAM failed; try again" });
      else html(res, 500, errorPage("Something went wrong", "Please try again in a moment."));
    });
  });

  const purge = setInterval(
    () => void purgeExpired(db).catch((err: unknown) => log.warn("purge failed", { err })),
    10 * 60_000,
  );
  purge.unref();

  return {
    issuer,
    port,
    provider,
    accounts,
    async stop() {
      clearInterval(purge);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "x-frame-options": "DENY",
    // No form-action: browsers apply it to the redirects after a form, which lead to the apps.
    "content-security-policy":
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(body);
}

async function readBody(req: IncomingMessage, limit = 16 * 1024): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error("request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new URLSearchParams(await readBody(req));
}

/** The login, sign-up and consent steps of an authorization request. */
function interactionRoutes(provider: Provider, accounts: IamAccounts, log: Logger) {
  const throttle = new LoginThrottle();
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const match = /^\/interaction\/([\w-]+)(?:\/(login|signup|abort))?$/.exec(path);
    if (match === null) {
      html(res, 404, errorPage("Not found", "There is no such page."));
      return;
    }
    const [, uid, action] = match;
    let details: Awaited<ReturnType<Provider["interactionDetails"]>>;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      html(
        res,
        400,
        errorPage("This sign-in has expired", "Go back to the app and start signing in again."),
      );
      return;
    }
    if (details.uid !== uid) {
      html(res, 400, errorPage("This sign-in has expired", "Go back to the app and start again."));
      return;
    }
    const clientId = String(details.params.client_id ?? "");
    const client = await provider.Client.find(clientId);
    const clientName = client?.clientName ?? "the EDDIE Marketplace";
    const method = req.method ?? "GET";

    if (details.prompt.name === "consent") {
      // Only the Marketplace's own apps use this flow: they need no consent page.
      const grant =
        details.grantId === undefined
          ? new provider.Grant({ accountId: details.session?.accountId, clientId })
          : ((await provider.Grant.find(details.grantId)) ??
            new provider.Grant({ accountId: details.session?.accountId, clientId }));
      const missing = details.prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(resource, scopes.join(" "));
      }
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
      return;
    }

    if (action === "abort") {
      await provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "The person cancelled signing in." },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (action === "login" && method === "POST") {
      const form = await readForm(req);
      const email = form.get("email") ?? "";
      const wait = throttle.retryAfterMs(email);
      if (wait > 0) {
        const minutes = Math.ceil(wait / 60_000);
        html(
          res,
          429,
          loginPage({
            uid,
            clientName,
            email,
            error: `Too many failed attempts for this e-mail address. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
          }),
        );
        return;
      }
      const account = await accounts.logIn(email, form.get("password") ?? "");
      if (account === undefined) {
        throttle.failed(email);
        html(
          res,
          401,
          loginPage({ uid, clientName, email, error: "Wrong e-mail address or password." }),
        );
        return;
      }
      throttle.succeeded(email);
      log.info("logged in", { account: account.id, client: clientId });
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: account.id } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (action === "signup" && method === "POST") {
      const form = await readForm(req);
      const values = {
        email: form.get("email") ?? "",
        displayName: form.get("display_name") ?? "",
        role: form.get("role") ?? "",
        organisation: form.get("organisation") ?? "",
      };
      try {
        const account = await accounts.signUp({ ...values, password: form.get("password") ?? "" });
        log.info("signed up", { account: account.id, role: account.role, client: clientId });
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: account.id } },
          { mergeWithLastSubmission: false },
        );
      } catch (err) {
        if (!(err instanceof SignUpRejected)) throw err;
        html(res, 400, signUpPage({ uid, clientName, values, errors: err.errors }));
      }
      return;
    }
    if (method !== "GET") {
      html(res, 405, errorPage("Not allowed", "Use the form on the page."));
      return;
    }
    const wantsSignUp = action === "signup" || details.params.screen_hint === "signup";
    // The EP Web App is for eligible parties, the Mobile App for households.
    const role =
      clientId === webClientId ? "eligible_party" : clientId === mobileClientId ? "customer" : "";
    html(
      res,
      200,
      wantsSignUp
        ? signUpPage({
            uid,
            clientName,
            values: { email: "", displayName: "", role, organisation: "" },
          })
        : loginPage({ uid, clientName }),
    );
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

/**
 * The admin API the Marketplace uses to manage EP API clients in the IAM's
 * client store (bearer `IAM_ADMIN_TOKEN`):
 * - `POST /admin/api-clients` `{name, org_id, org_name, created_by}` →
 *   201 `{client_id, client_secret}`; the secret is stored only hashed.
 * - `DELETE /admin/api-clients/<client_id>` → 204; the client can't get
 *   tokens from that moment on.
 */
function adminRoutes(adminToken: string | undefined, db: IamDb, provider: Provider, log: Logger) {
  const Adapter = databaseAdapter(db);
  const clients = new Adapter("Client");
  const expected = adminToken === undefined ? undefined : Buffer.from(`Bearer ${adminToken}`);
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (expected === undefined) {
      json(res, 404, { error: "the admin API is off (IAM_ADMIN_TOKEN is not set)" });
      return;
    }
    const given = Buffer.from(req.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      json(res, 401, { error: "a valid admin token is needed" });
      return;
    }
    const match = /^\/admin\/api-clients(?:\/([\w-]+))?$/.exec(path);
    if (match === null) {
      json(res, 404, { error: "no such admin resource" });
      return;
    }
    const id = match[1];
    if (req.method === "POST" && id === undefined) {
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(await readBody(req)) as Record<string, unknown>;
      } catch {
        json(res, 400, { error: "the body must be JSON" });
        return;
      }
      const { name, org_id: orgId, org_name: orgName, created_by: createdBy } = input;
      if (
        typeof name !== "string" ||
        typeof orgId !== "string" ||
        typeof orgName !== "string" ||
        typeof createdBy !== "string" ||
        name.length === 0 ||
        orgId.length === 0
      ) {
        json(res, 400, { error: "name, org_id, org_name and created_by are required strings" });
        return;
      }
      const clientId = `${apiClientIdPrefix}${randomBytes(12).toString("hex")}`;
      const secret = randomBytes(32).toString("base64url");
      const metadata = {
        client_id: clientId,
        client_secret: hashClientSecret(secret),
        client_name: name,
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: "client_secret_basic" as const,
        org_id: orgId,
        org_name: orgName,
        created_by: createdBy,
      };
      const validate = (provider.Client as unknown as { validate(m: unknown): Promise<unknown> })
        .validate;
      await validate.call(provider.Client, metadata);
      await clients.upsert(clientId, metadata, 0);
      log.info("api client created", { client: clientId, org: orgId });
      json(res, 201, { client_id: clientId, client_secret: secret });
      return;
    }
    if (req.method === "DELETE" && id !== undefined && id.startsWith(apiClientIdPrefix)) {
      await clients.destroy(id);
      log.info("api client deleted", { client: id });
      res.writeHead(204).end();
      return;
    }
    json(res, 405, { error: "not allowed" });
  };
}
