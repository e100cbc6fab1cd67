import { buildApp } from "./app.js";
import { oidcTokenVerifier } from "./auth/oidc-token-verifier.js";
import { cachingVerifier } from "./auth/verified-token-cache.js";
import { loadConfig } from "./config.js";
import { migrateToLatest } from "./db/database.js";
import { ensureDemoCatalog } from "./demo/demo-catalog.js";
import { startProgram, stopOnSignals } from "./program-start.js";
import { startMarketplace } from "./server/marketplace-server.js";

// The Marketplace program: configuration, then the database, then the listeners.
const { config, log, database } = await startProgram("marketplace", loadConfig);
await migrateToLatest(database.db);
if (config.demoData) await ensureDemoCatalog(database.db, log);
const app = await buildApp({
  config,
  database,
  log,
  verifier: cachingVerifier(
    oidcTokenVerifier({ issuer: config.oidcIssuer, audience: config.oidcAudience }),
  ),
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

stopOnSignals(log, async () => {
  await server.stop();
  await app.stop();
  await database.close();
});
