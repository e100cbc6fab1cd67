import { GRANT_JWKS_PATH } from "@eddie-marketplace/sdk/grant";
import { silentLogger } from "@eddie-marketplace/sdk/log";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import type { DatabaseHandle } from "../db/database.js";
import { openTestDatabase } from "../db/test-database.js";
import { type MarketplaceServer, startMarketplace } from "../server/marketplace-server.js";
import { type AccessModule, buildAccessModule } from "./access-module.js";
import { RecordingChannel } from "./testing.js";

describe("the grant JWKS on the client-facing port", () => {
  let database: DatabaseHandle;
  let module: AccessModule;
  let server: MarketplaceServer;

  beforeAll(async () => {
    database = await openTestDatabase("embedded");
    module = await buildAccessModule({
      db: database.db,
      log: silentLogger,
      channel: new RecordingChannel(),
    });
    server = await startMarketplace({
      config: loadConfig({
        MARKETPLACE_HOST: "127.0.0.1",
        MARKETPLACE_PORT: "0",
        MARKETPLACE_GRPC_HOST: "127.0.0.1",
        MARKETPLACE_GRPC_PORT: "0",
      }),
      database,
      log: silentLogger,
      httpRoutes: [module.jwksRoute],
    });
  });
  afterAll(async () => {
    await server?.stop(0);
    await database?.close();
  });

  it("serves the public Ed25519 key, and the same key after a restart", async () => {
    const res = await fetch(`http://127.0.0.1:${server.httpPort}${GRANT_JWKS_PATH}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/jwk-set+json");
    const jwks = (await res.json()) as {
      keys: { kty: string; crv: string; kid: string; d?: string }[];
    };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519" });
    expect(jwks.keys[0]?.d).toBeUndefined();
    const again = await buildAccessModule({
      db: database.db,
      log: silentLogger,
      channel: new RecordingChannel(),
    });
    expect(again.signer.jwks().keys[0]?.kid).toBe(jwks.keys[0]?.kid);
  });

  it("answers 404 for other plain paths", async () => {
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/nothing-here`);
    expect(res.status).toBe(404);
  });
});
