import { parseArgs } from "node:util";
import { isLogLevel, type LogLevel } from "@eddie-marketplace/sdk/log";
import { SOURCE_PROFILES } from "./sources/source-profiles.js";

/** How an AIIDA node program runs: from flags, else environment, else defaults. */
export interface NodeConfig {
  /** The Marketplace's node listener as grpc-js dials it: `host:port`. */
  readonly marketplaceTarget: string;
  /** Whether to dial with TLS (an `https://` URL). */
  readonly tls: boolean;
  /** Where identities are kept. */
  readonly stateDir: string;
  readonly statusHost: string;
  /** 0 picks a free port. */
  readonly statusPort: number;
  /** The status page URL to advertise, when it differs from http://host:port/. */
  readonly advertisedUrl: string | undefined;
  /** One profile for every instance; unset: "at-household", or a swarm cycles through all. */
  readonly profile: string | undefined;
  /** Places every source in this country instead of the profile's. */
  readonly country: string | undefined;
  /** The meters' seed; a swarm gives instance i seed + i. Unset: from the instance ID (swarm: 1). */
  readonly seed: number | undefined;
  /** Run this many simulated instances in one process (a swarm); unset: one instance. */
  readonly simulate: number | undefined;
  /** Print a line for every pairing code received. */
  readonly printCodes: boolean;
  /** At most this many swarm instances dial at the same time. */
  readonly dialConcurrency: number;
  readonly logLevel: LogLevel;
}

/** A bad flag or variable: the message names it and says what is wanted. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** One line per option, for --help. */
export const USAGE = `usage: aiida-node [options]
  --marketplace URL     MARKETPLACE_NODE_URL  node listener, host:port or http(s)://host:port (127.0.0.1:50051)
  --state-dir DIR       AIIDA_STATE_DIR       where the identity is kept (.data/aiida-node)
  --status-host HOST    AIIDA_STATUS_HOST     status page address (127.0.0.1)
  --status-port PORT    AIIDA_STATUS_PORT     status page port, 0 for any free one (8090)
  --advertised-url URL  AIIDA_ADVERTISED_URL  status page URL sent to the Marketplace (http://host:port/)
  --profile NAME        AIIDA_PROFILE         data sources: ${SOURCE_PROFILES.map((p) => p.name).join(", ")}
  --country CC          AIIDA_COUNTRY         place every source in this country (ISO 3166-1 alpha-2)
  --seed N              AIIDA_SEED            seed of the simulated meters
  --simulate N          AIIDA_SIMULATE        run N simulated instances in this process
  --no-codes            AIIDA_PRINT_CODES=0   do not print pairing codes
  --dial-concurrency N  AIIDA_DIAL_CONCURRENCY  swarm: instances dialling at once (256)
  --log-level LEVEL     LOG_LEVEL             debug, info, warn or error (info)
                        MARKETPLACE_JWKS_URL  the Marketplace's grant keys (JWKS), checked before delivering
                                              (http://<node listener host>:8080/.well-known/jwks.json)`;

/**
 * Reads the configuration from command-line flags and the environment
 * (flags win). Throws ConfigError naming the flag or variable at fault.
 * Returns undefined when --help was asked for.
 */
export function readNodeConfig(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): NodeConfig | undefined {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const flags = parsed.values;
  if (flags.help) return undefined;
  if (parsed.positionals.length > 0) {
    throw new ConfigError(`unexpected argument "${parsed.positionals[0]}"; see --help`);
  }
  const pick = (flag: string | undefined, variable: string) =>
    flag !== undefined ? { value: flag, name: `--${flagName(variable)}` } : envValue(env, variable);

  const url = pick(flags.marketplace, "MARKETPLACE_NODE_URL");
  const { target, tls } = parseTarget(url?.value ?? "127.0.0.1:50051", url?.name);
  const statusPort = pick(flags["status-port"], "AIIDA_STATUS_PORT");
  const seed = pick(flags.seed, "AIIDA_SEED");
  const simulate = pick(flags.simulate, "AIIDA_SIMULATE");
  const dial = pick(flags["dial-concurrency"], "AIIDA_DIAL_CONCURRENCY");
  const profile = pick(flags.profile, "AIIDA_PROFILE");
  if (profile && !SOURCE_PROFILES.some((p) => p.name === profile.value)) {
    throw new ConfigError(
      `${profile.name}: unknown profile "${profile.value}"; choose one of ${SOURCE_PROFILES.map((p) => p.name).join(", ")}`,
    );
  }
  const country = pick(flags.country, "AIIDA_COUNTRY");
  if (country && !/^[A-Za-z]{2}$/.test(country.value)) {
    throw new ConfigError(`${country.name}: "${country.value}" is not a two-letter country code`);
  }
  const logLevel = pick(flags["log-level"], "LOG_LEVEL");
  if (logLevel && !isLogLevel(logLevel.value)) {
    throw new ConfigError(
      `${logLevel.name}: "${logLevel.value}" is not debug, info, warn or error`,
    );
  }
  const printCodes = flags["no-codes"] ? false : env.AIIDA_PRINT_CODES !== "0";
  const advertised = pick(flags["advertised-url"], "AIIDA_ADVERTISED_URL");
  if (advertised && !/^https?:\/\/\S+$/.test(advertised.value)) {
    throw new ConfigError(`${advertised.name}: "${advertised.value}" is not an http(s) URL`);
  }
  return {
    marketplaceTarget: target,
    tls,
    stateDir: pick(flags["state-dir"], "AIIDA_STATE_DIR")?.value ?? ".data/aiida-node",
    statusHost: pick(flags["status-host"], "AIIDA_STATUS_HOST")?.value ?? "127.0.0.1",
    statusPort: statusPort ? integer(statusPort, 0, 65_535) : 8090,
    advertisedUrl: advertised?.value,
    profile: profile?.value,
    country: country?.value.toUpperCase(),
    seed: seed ? integer(seed, 0, 2 ** 32 - 1) : undefined,
    simulate: simulate ? integer(simulate, 1, 1_000_000) : undefined,
    printCodes,
    dialConcurrency: dial ? integer(dial, 1, 100_000) : 256,
    logLevel: (logLevel?.value as LogLevel | undefined) ?? "info",
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      marketplace: { type: "string" },
      "state-dir": { type: "string" },
      "status-host": { type: "string" },
      "status-port": { type: "string" },
      "advertised-url": { type: "string" },
      profile: { type: "string" },
      country: { type: "string" },
      seed: { type: "string" },
      simulate: { type: "string" },
      "no-codes": { type: "boolean" },
      "dial-concurrency": { type: "string" },
      "log-level": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

const flagNames: Record<string, string> = {
  MARKETPLACE_NODE_URL: "marketplace",
  AIIDA_STATE_DIR: "state-dir",
  AIIDA_STATUS_HOST: "status-host",
  AIIDA_STATUS_PORT: "status-port",
  AIIDA_ADVERTISED_URL: "advertised-url",
  AIIDA_PROFILE: "profile",
  AIIDA_COUNTRY: "country",
  AIIDA_SEED: "seed",
  AIIDA_SIMULATE: "simulate",
  AIIDA_DIAL_CONCURRENCY: "dial-concurrency",
  LOG_LEVEL: "log-level",
};

function flagName(variable: string): string {
  return flagNames[variable] ?? variable;
}

function envValue(env: Record<string, string | undefined>, variable: string) {
  const value = env[variable];
  return value === undefined || value === "" ? undefined : { value, name: variable };
}

function integer(option: { value: string; name: string }, min: number, max: number): number {
  const n = Number(option.value);
  if (!/^\d+$/.test(option.value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(
      `${option.name}: "${option.value}" is not a whole number from ${min} to ${max}`,
    );
  }
  return n;
}

/** Turns a node listener URL into a grpc-js target and whether to use TLS. */
export function parseTarget(
  value: string,
  name = "MARKETPLACE_NODE_URL",
): { target: string; tls: boolean } {
  const match = /^(?:(https?|grpcs?):\/\/)?([^/\s]+?)\/?$/.exec(value.trim());
  const hostPort = match?.[2];
  if (!match || !hostPort || !/:\d{1,5}$/.test(hostPort)) {
    throw new ConfigError(`${name}: "${value}" is not host:port or http(s)://host:port`);
  }
  return { target: hostPort, tls: match[1] === "https" || match[1] === "grpcs" };
}
