import { describe, expect, it } from "vitest";
import { ConfigError } from "../config.js";
import { loadIamConfig } from "./iam-config.js";

describe("IAM configuration", () => {
  it("works with no variables at all", () => {
    expect(loadIamConfig({})).toMatchObject({
      host: "0.0.0.0",
      port: 8081,
      issuer: undefined,
      audience: "urn:eddie:marketplace",
      webRedirectUris: ["http://localhost:5173/callback"],
      mobileRedirectUris: ["http://localhost:5174/callback"],
      adminToken: undefined,
      demoAccounts: false,
      accessTokenTtl: 300,
    });
  });

  it("reads lists and flags", () => {
    const c = loadIamConfig({
      IAM_PORT: "0",
      IAM_ISSUER: "https://id.example/",
      IAM_WEB_REDIRECT_URIS: "https://ep.example/callback, http://localhost:5173/callback",
      IAM_DEMO_ACCOUNTS: "1",
    });
    expect(c.port).toBe(0);
    expect(c.issuer).toBe("https://id.example");
    expect(c.webRedirectUris).toEqual([
      "https://ep.example/callback",
      "http://localhost:5173/callback",
    ]);
    expect(c.demoAccounts).toBe(true);
  });

  it.each([
    ["IAM_PORT", "80a"],
    ["IAM_PORT", "70000"],
    ["IAM_ISSUER", "localhost:8081"],
    ["IAM_WEB_REDIRECT_URIS", "not a url"],
    ["IAM_ADMIN_TOKEN", "short"],
    ["IAM_ACCESS_TOKEN_TTL", "5"],
    ["LOG_LEVEL", "loud"],
  ])("names %s when its value %j is bad", (variable, value) => {
    let error: unknown;
    try {
      loadIamConfig({ [variable]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
  });
});
