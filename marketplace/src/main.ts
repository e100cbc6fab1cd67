import { join } from "node:path";
import { buildApp } from "./app.js";
import { oidcTokenVerifier } from "./auth/oidc-token-verifier.js";
import { ConfigError, loadConfig } from "./config.js";
import { migrateToLatest, openDatabase } from "./db/database.js";
import { ensureDemoCatalog } from "./demo/demo-catalog.js";
import { createLogger } from "./log.js";
import { startMarketplace } from "./server/marketplace-server.js";

// The Marketplace program: configuration, then the database, then the listeners.
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`marketplace: bad configuration: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

const log = createLogger(config.logLevel, { service: "marketplace" });
const database = await openDatabase({
  url: config.databaseUrl,
  dataDir: config.databaseUrl === undefined ? join(config.dataDir, "db") : undefined,
}).catch((err: unknown) => {
  log.error("cannot open the database", { err });
  process.exit(1);
});
await migrateToLatest(database.db);
if (config.demoData) await ensureDemoCatalog(database.db, log);
const app = await buildApp({
  config,
  database,
  log,
  verifier: oidcTokenVerifier({ issuer: config.oidcIssuer, audience: config.oidcAudience }),
});
const server = await startMarketplace({
  config,
  database,
  log,
  routes: app.routes,
  interceptors: app.interceptors,
  nodeServices: app.nodeServices,
  httpRoutes: app.httpRoutes,
}).catch(async (err: unknown) => {
  log.error("cannot start", { err });
  await database.close();
  process.exit(1);
});
await app.start();

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    log.info("signal received", { signal });
    await server.stop();
    await app.stop();
    await database.close();
    process.exit(0);
  });
}
