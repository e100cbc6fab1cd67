import { join } from "node:path";
import { ConfigError } from "../config.js";
import { openDatabase } from "../db/database.js";
import { createLogger } from "../log.js";
import { loadIamConfig } from "./iam-config.js";
import { startIamServer } from "./iam-server.js";

// The bundled IAM program: an OpenID provider for customers, eligible parties
// and EP backends. Prints {"msg":"listening","port":N,"issuer":"..."} when ready.
let config: ReturnType<typeof loadIamConfig>;
try {
  config = loadIamConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`iam: bad configuration: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

const log = createLogger(config.logLevel, { service: "iam" });
const database = await openDatabase({
  url: config.databaseUrl,
  dataDir: config.databaseUrl === undefined ? join(config.dataDir, "db") : undefined,
}).catch((err: unknown) => {
  log.error("cannot open the database", { err });
  process.exit(1);
});
const iam = await startIamServer({ config, database, log }).catch(async (err: unknown) => {
  log.error("cannot start", { err });
  await database.close();
  process.exit(1);
});
log.info("listening", { port: iam.port, issuer: iam.issuer });

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    log.info("signal received", { signal });
    await iam.stop();
    await database.close();
    log.info("stopped");
    process.exit(0);
  });
}
