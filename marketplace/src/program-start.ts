import { join } from "node:path";
import { createLogger, type Logger, type LogLevel } from "@eddie-marketplace/sdk/log";
import { ConfigError } from "./config.js";
import { type DatabaseHandle, openDatabase } from "./db/database.js";

/**
 * The start of each program in this package (the Marketplace, the IAM):
 * read the configuration or stop with a one-line message naming the bad
 * variable (exit 2), then make the logger and open the database or stop
 * with the reason (exit 1).
 *
 * @example
 * const { config, log, database } = await startProgram("iam", loadIamConfig);
 */
export async function startProgram<
  C extends { logLevel: LogLevel; databaseUrl: string | undefined; dataDir: string },
>(name: string, load: () => C): Promise<{ config: C; log: Logger; database: DatabaseHandle }> {
  let config: C;
  try {
    config = load();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: bad configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, { service: name });
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.databaseUrl === undefined ? join(config.dataDir, "db") : undefined,
  }).catch((err: unknown) => {
    log.error("cannot open the database", { err });
    process.exit(1);
  });
  return { config, log, database };
}

/** Runs `stop` on SIGTERM or SIGINT, then exits 0. */
export function stopOnSignals(log: Logger, stop: () => Promise<void>): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, async () => {
      log.info("signal received", { signal });
      await stop();
      process.exit(0);
    });
  }
}
