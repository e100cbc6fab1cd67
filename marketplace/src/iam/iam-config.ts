import { ConfigError } from "../config.js";

/**
 * The IAM's configuration, from environment variables. Every variable has a
 * default that works on a developer machine.
 */
export interface IamConfig {
  readonly host: string;
  /** 0 picks a free port; the ready line says which. */
  readonly port: number;
  /** The issuer URL; unset means `http://<host>:<port>` (localhost for a wildcard host). */
  readonly issuer: string | undefined;
  readonly databaseUrl: string | undefined;
  /** Folder of the embedded database when no DATABASE_URL is set. */
  readonly dataDir: string;
  /** The audience of access tokens: the Marketplace. */
  readonly audience: string;
  /** Redirect URIs of the EP Web App (public client `eddie-web`). */
  readonly webRedirectUris: readonly string[];
  /** Redirect URIs of the Customer Mobile App (public client `eddie-mobile`). */
  readonly mobileRedirectUris: readonly string[];
  /** Bearer token for the admin API (API clients); unset turns the admin API off. */
  readonly adminToken: string | undefined;
  /** Create the demo accounts (idempotent). */
  readonly demoAccounts: boolean;
  /** Lifetime of access tokens, in seconds. */
  readonly accessTokenTtl: number;
  /** Trust X-Forwarded-* headers (set when a TLS proxy is in front). */
  readonly trustProxy: boolean;
  readonly logLevel: "debug" | "info" | "warn" | "error";
}

/** Every variable the IAM reads, with its default. */
export const iamConfigVariables = {
  IAM_HOST: "0.0.0.0",
  IAM_PORT: "8081",
  IAM_ISSUER: "(unset: http://<IAM_HOST or localhost>:<port>)",
  DATABASE_URL: "(unset: embedded database)",
  IAM_DATA_DIR: ".data/iam",
  OIDC_AUDIENCE: "urn:eddie:marketplace",
  IAM_WEB_REDIRECT_URIS: "http://localhost:5173/callback",
  IAM_MOBILE_REDIRECT_URIS: "http://localhost:5174/callback",
  IAM_ADMIN_TOKEN: "(unset: no admin API)",
  IAM_DEMO_ACCOUNTS: "0",
  IAM_ACCESS_TOKEN_TTL: "300",
  IAM_TRUST_PROXY: "0",
  LOG_LEVEL: "info",
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the IAM's configuration, throwing a ConfigError naming the first bad variable. */
export function loadIamConfig(env: Env = process.env): IamConfig {
  const get = (name: keyof typeof iamConfigVariables) => {
    const v = env[name];
    return v === undefined || v === "" ? undefined : v;
  };
  const int = (
    name: keyof typeof iamConfigVariables,
    fallback: string,
    min: number,
    max: number,
  ) => {
    const v = get(name) ?? fallback;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${v}"`);
    }
    return Number(v);
  };
  const urls = (name: keyof typeof iamConfigVariables, fallback: string) =>
    (get(name) ?? fallback)
      .split(",")
      .map((u) => u.trim())
      .filter((u) => u !== "")
      .map((u) => {
        if (!URL.canParse(u)) throw new ConfigError(name, `"${u}" is not a URL`);
        return u;
      });
  const issuer = get("IAM_ISSUER");
  if (issuer !== undefined && !/^https?:\/\/[^/]+/.test(issuer)) {
    throw new ConfigError("IAM_ISSUER", `must be an http or https URL, got "${issuer}"`);
  }
  const level = get("LOG_LEVEL") ?? "info";
  if (level !== "debug" && level !== "info" && level !== "warn" && level !== "error") {
    throw new ConfigError("LOG_LEVEL", `must be one of debug, info, warn, error, got "${level}"`);
  }
  const adminToken = get("IAM_ADMIN_TOKEN");
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError("IAM_ADMIN_TOKEN", "must be at least 16 characters");
  }
  return {
    host: get("IAM_HOST") ?? iamConfigVariables.IAM_HOST,
    port: int("IAM_PORT", iamConfigVariables.IAM_PORT, 0, 65535),
    issuer: issuer?.replace(/\/$/, ""),
    databaseUrl: get("DATABASE_URL"),
    dataDir: get("IAM_DATA_DIR") ?? iamConfigVariables.IAM_DATA_DIR,
    audience: get("OIDC_AUDIENCE") ?? iamConfigVariables.OIDC_AUDIENCE,
    webRedirectUris: urls("IAM_WEB_REDIRECT_URIS", iamConfigVariables.IAM_WEB_REDIRECT_URIS),
    mobileRedirectUris: urls(
      "IAM_MOBILE_REDIRECT_URIS",
      iamConfigVariables.IAM_MOBILE_REDIRECT_URIS,
    ),
    adminToken,
    demoAccounts: get("IAM_DEMO_ACCOUNTS") === "1" || get("IAM_DEMO_ACCOUNTS") === "true",
    accessTokenTtl: int("IAM_ACCESS_TOKEN_TTL", iamConfigVariables.IAM_ACCESS_TOKEN_TTL, 30, 3600),
    trustProxy: get("IAM_TRUST_PROXY") === "1" || get("IAM_TRUST_PROXY") === "true",
    logLevel: level,
  };
}
