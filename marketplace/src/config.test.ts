import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("works with no variables at all, on the documented defaults", () => {
    const c = loadConfig({});
    expect(c.httpPort).toBe(8080);
    expect(c.grpcPort).toBe(50051);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.corsOrigins).toEqual(["http://localhost:5173", "http://localhost:5174"]);
  });

  it.each([
    ["MARKETPLACE_PORT", "eighty"],
    ["MARKETPLACE_PORT", "70000"],
    ["MARKETPLACE_GRPC_PORT", "-1"],
    ["DATABASE_URL", "not a url"],
    ["DATABASE_URL", "mysql://localhost/db"],
    ["DATABASE_URL", "postgres://localhost"],
    ["OIDC_ISSUER", "ftp://iam"],
    ["CORS_ORIGINS", "localhost:5173"],
    ["MAX_MESSAGE_BYTES", "12"],
    ["LOG_LEVEL", "loud"],
    ["IAM_ADMIN_URL", "iam.local"],
    ["MARKETPLACE_DEMO_DATA", "yes"],
  ])("names %s when its value %j is bad", (variable, value) => {
    const attempt = () => loadConfig({ [variable]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^${variable}: `));
  });
});
