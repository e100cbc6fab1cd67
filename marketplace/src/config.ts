/**
 * The Marketplace's configuration, read from environment variables once at
 * start. Every variable has a default that works on a developer machine, so
 * `npm start` needs none; a bad value stops the program with a message that
 * names the variable.
 */
export interface Config {
  /** Client-facing listener (Connect, gRPC-Web, gRPC). */
  readonly httpHost: string;
  readonly httpPort: number;
  /** Node-facing listener (gRPC over HTTP/2, AIIDA instances). */
  readonly grpcHost: string;
  readonly grpcPort: number;
  /** PostgreSQL URL; unset means the embedded database in `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** Folder for the embedded database and the Marketplace's keys. */
  readonly dataDir: string;
  /** The OpenID provider whose access tokens the Marketplace accepts. */
  readonly oidcIssuer: string;
  /** The audience access tokens must name. */
  readonly oidcAudience: string;
  /** Browser origins allowed to call the client-facing listener. */
  readonly corsOrigins: readonly string[];
  /** Largest message either listener accepts or sends, in bytes. */
  readonly maxMessageBytes: number;
  /**
   * The bundled IAM's admin token, to manage EP API clients in its client
   * store; unset means API clients can't be created.
   */
  readonly iamAdminToken: string | undefined;
  /** Where the IAM's admin API is; defaults to the issuer. */
  readonly iamAdminUrl: string;
  /** Publish the demo eligible party's catalog on start (`npm start` sets it). */
  readonly demoData: boolean;
  /** Least level written to the log. */
  readonly logLevel: "debug" | "info" | "warn" | "error";
}

/** A configuration variable had a value that cannot be used. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

/** Every variable the Marketplace reads, with its default, for docs and `--help`. */
export const configVariables = {
  MARKETPLACE_HOST: "0.0.0.0",
  MARKETPLACE_PORT: "8080",
  MARKETPLACE_GRPC_HOST: "0.0.0.0",
  MARKETPLACE_GRPC_PORT: "50051",
  DATABASE_URL: "(unset: embedded database)",
  MARKETPLACE_DATA_DIR: ".data/marketplace",
  OIDC_ISSUER: "http://localhost:8081",
  OIDC_AUDIENCE: "urn:eddie:marketplace",
  CORS_ORIGINS: "http://localhost:5173,http://localhost:5174",
  MAX_MESSAGE_BYTES: "4194304",
  LOG_LEVEL: "info",
  MARKETPLACE_DEMO_DATA: "0",
  IAM_ADMIN_TOKEN: "(unset: no API clients)",
  IAM_ADMIN_URL: "(OIDC_ISSUER)",
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the configuration from `env`, throwing a {@link ConfigError} for the
 * first bad value.
 *
 * @example
 * const config = loadConfig({ MARKETPLACE_PORT: "0" }); // port 0 picks a free port
 */
export function loadConfig(env: Env = process.env): Config {
  const get = (name: keyof typeof configVariables) => {
    const value = env[name];
    return value === undefined || value === "" ? undefined : value;
  };
  return {
    httpHost: get("MARKETPLACE_HOST") ?? configVariables.MARKETPLACE_HOST,
    httpPort: port("MARKETPLACE_PORT", get("MARKETPLACE_PORT") ?? configVariables.MARKETPLACE_PORT),
    grpcHost: get("MARKETPLACE_GRPC_HOST") ?? configVariables.MARKETPLACE_GRPC_HOST,
    grpcPort: port(
      "MARKETPLACE_GRPC_PORT",
      get("MARKETPLACE_GRPC_PORT") ?? configVariables.MARKETPLACE_GRPC_PORT,
    ),
    databaseUrl: databaseUrl(get("DATABASE_URL")),
    dataDir: get("MARKETPLACE_DATA_DIR") ?? configVariables.MARKETPLACE_DATA_DIR,
    oidcIssuer: httpUrl("OIDC_ISSUER", get("OIDC_ISSUER") ?? configVariables.OIDC_ISSUER),
    oidcAudience: get("OIDC_AUDIENCE") ?? configVariables.OIDC_AUDIENCE,
    corsOrigins: origins(get("CORS_ORIGINS") ?? configVariables.CORS_ORIGINS),
    maxMessageBytes: integer(
      "MAX_MESSAGE_BYTES",
      get("MAX_MESSAGE_BYTES") ?? configVariables.MAX_MESSAGE_BYTES,
      1024,
      64 * 1024 * 1024,
    ),
    iamAdminToken: get("IAM_ADMIN_TOKEN"),
    iamAdminUrl: httpUrl(
      "IAM_ADMIN_URL",
      get("IAM_ADMIN_URL") ?? get("OIDC_ISSUER") ?? configVariables.OIDC_ISSUER,
    ),
    demoData: flag(
      "MARKETPLACE_DEMO_DATA",
      get("MARKETPLACE_DEMO_DATA") ?? configVariables.MARKETPLACE_DEMO_DATA,
    ),
    logLevel: oneOf("LOG_LEVEL", get("LOG_LEVEL") ?? configVariables.LOG_LEVEL, [
      "debug",
      "info",
      "warn",
      "error",
    ] as const),
  };
}

function integer(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) {
    throw new ConfigError(name, `must be a whole number, got "${value}"`);
  }
  const n = Number(value);
  if (n < min || n > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  }
  return n;
}

function port(name: string, value: string): number {
  return integer(name, value, 0, 65535);
}

function databaseUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError("DATABASE_URL", "is not a URL; expected postgres://user@host:port/db");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new ConfigError(
      "DATABASE_URL",
      `must start with postgres:// or postgresql://, got "${url.protocol}//"`,
    );
  }
  if (url.hostname === "" || url.pathname.length <= 1) {
    throw new ConfigError("DATABASE_URL", "must name a host and a database");
  }
  return value;
}

function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `is not a URL: "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(name, `must be an http or https URL, got "${value}"`);
  }
  return value.replace(/\/$/, "");
}

function origins(value: string): string[] {
  return value
    .split(",")
    .map((o) => o.trim())
    .filter((o) => o !== "")
    .map((o) => {
      if (o === "*") return o;
      const url = URL.canParse(o) ? new URL(o) : undefined;
      if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
        throw new ConfigError("CORS_ORIGINS", `"${o}" is not an origin like http://host:port`);
      }
      return url.origin;
    });
}

function flag(name: string, value: string): boolean {
  if (value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  throw new ConfigError(name, `must be 1 or 0, got "${value}"`);
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `must be one of ${allowed.join(", ")}, got "${value}"`);
  }
  return value as T;
}
