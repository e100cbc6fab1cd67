import { createHash, timingSafeEqual } from "node:crypto";
import type { Logger } from "@eddie-marketplace/sdk/log";
import Provider, { type Configuration, errors, type KoaContextWithOIDC } from "oidc-provider";
import type { IamAccounts } from "./iam-accounts.js";
import type { IamConfig } from "./iam-config.js";
import type { IamDb } from "./iam-database.js";
import { errorPage, loggedOutPage, logoutPage } from "./iam-pages.js";
import type { IamSecrets } from "./iam-secrets.js";
import { databaseAdapter } from "./oidc-adapter.js";

/** The EP Web App's client id (public, authorization code + PKCE). */
export const webClientId = "eddie-web";
/** The Customer Mobile App's client id (public, authorization code + PKCE). */
export const mobileClientId = "eddie-mobile";
/** Prefix of the client ids of EP API clients (client credentials). */
export const apiClientIdPrefix = "epc_";

/** Hashes an API client's secret for storage; the secret is random, so SHA-256 is enough. */
export function hashClientSecret(secret: string): string {
  return `sha256$${createHash("sha256").update(secret).digest("base64url")}`;
}

function appClient(clientId: string, name: string, redirectUris: readonly string[]) {
  return {
    client_id: clientId,
    client_name: name,
    application_type: "web" as const,
    token_endpoint_auth_method: "none" as const,
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code" as const],
    redirect_uris: [...redirectUris],
    post_logout_redirect_uris: [
      ...new Set(redirectUris.flatMap((u) => [new URL(u).origin, `${new URL(u).origin}/`])),
    ],
  };
}

/**
 * Builds the OpenID provider: two first-party public apps (code + PKCE), EP
 * API clients (client credentials, stored at run time), JWT access tokens
 * (RFC 9068, ES256) for the Marketplace audience carrying role and
 * organisation, keys and all state in the database.
 */
export function createProvider(options: {
  issuer: string;
  config: IamConfig;
  db: IamDb;
  accounts: IamAccounts;
  secrets: IamSecrets;
  log: Logger;
}): Provider {
  const { config, accounts, log } = options;
  const audience = config.audience;

  const configuration: Configuration = {
    adapter: databaseAdapter(options.db),
    clients: [
      appClient(webClientId, "EDDIE Marketplace for eligible parties", config.webRedirectUris),
      appClient(mobileClientId, "EDDIE Marketplace for households", config.mobileRedirectUris),
    ],
    jwks: options.secrets.jwks as Configuration["jwks"],
    cookies: {
      keys: options.secrets.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: "lax" },
      short: { signed: true, httpOnly: true, sameSite: "lax" },
    },
    scopes: ["openid", "email", "profile", "offline_access"],
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "role", "org_id", "org_name"],
    },
    extraParams: ["screen_hint"],
    extraClientMetadata: { properties: ["org_id", "org_name", "created_by"] },
    responseTypes: ["code"],
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, id) {
      const account = await accounts.find(id);
      if (account === undefined) return undefined;
      return {
        accountId: account.id,
        async claims() {
          return {
            sub: account.id,
            email: account.email,
            email_verified: false,
            name: account.displayName,
            role: account.role,
            ...(account.organisation && {
              org_id: account.organisation.id,
              org_name: account.organisation.name,
            }),
          };
        },
      };
    },
    async extraTokenClaims(ctx, token) {
      if (token.kind === "ClientCredentials") {
        if (token.clientId === undefined) return undefined;
        const client = await ctx.oidc.provider.Client.find(token.clientId);
        const meta = client?.metadata() as Record<string, unknown> | undefined;
        if (typeof meta?.org_id !== "string") return undefined;
        return {
          role: "eligible_party",
          org_id: meta.org_id,
          org_name: meta.org_name,
          name: meta.client_name,
        };
      }
      if (token.kind !== "AccessToken" || !("accountId" in token)) return undefined;
      const account = await accounts.find(String(token.accountId));
      if (account === undefined) return undefined;
      return {
        role: account.role,
        email: account.email,
        name: account.displayName,
        ...(account.organisation && {
          org_id: account.organisation.id,
          org_name: account.organisation.name,
        }),
      };
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.type = "html";
          ctx.body = logoutPage(form);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = "html";
          ctx.body = loggedOutPage();
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, resource) {
          if (resource !== audience) throw new errors.InvalidTarget(`unknown resource ${resource}`);
          return {
            audience,
            scope: "marketplace",
            accessTokenTTL: config.accessTokenTtl,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: "ES256" } },
          };
        },
      },
    },
    clientBasedCORS(_ctx, origin, client) {
      return client.redirectUris?.some((u) => new URL(u).origin === origin) ?? false;
    },
    async issueRefreshToken(_ctx, client, code) {
      return (
        client.grantTypeAllowed("refresh_token") &&
        (code.scopes.has("offline_access") || client.clientAuthMethod === "none")
      );
    },
    ttl: {
      AccessToken: config.accessTokenTtl,
      ClientCredentials: config.accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
      RefreshToken: 14 * 24 * 3600,
    },
    async renderError(ctx: KoaContextWithOIDC, out) {
      ctx.type = "html";
      ctx.body = errorPage(
        "Something went wrong",
        `${out.error_description ?? out.error}. Go back to the app and try again.`,
      );
    },
  };

  const provider = new Provider(options.issuer, configuration);
  // Behind a TLS-terminating proxy the IAM must trust X-Forwarded-Proto to set secure cookies.
  provider.proxy = config.trustProxy;
  const clientPrototype = provider.Client.prototype as unknown as {
    compareClientSecret(this: { clientSecret?: string }, actual: string): boolean;
  };
  clientPrototype.compareClientSecret = function compare(actual) {
    const stored = Buffer.from(this.clientSecret ?? "");
    const given = Buffer.from(hashClientSecret(actual));
    return stored.length === given.length && timingSafeEqual(stored, given);
  };
  provider.on("grant.error", (_ctx, err: Error & { error_detail?: string }) =>
    log.info("token request refused", { err, detail: err.error_detail }),
  );
  provider.on("server_error", (_ctx, err: Error) => log.error("provider error", { err }));
  return provider;
}
