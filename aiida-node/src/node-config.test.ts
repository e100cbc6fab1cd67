import { describe, expect, it } from "vitest";
import { ConfigError, parseTarget, readNodeConfig } from "./node-config.js";

describe("readNodeConfig", () => {
  it("has defaults that reach a local Marketplace", () => {
    expect(readNodeConfig([], {})).toMatchObject({
      marketplaceTarget: "127.0.0.1:50051",
      tls: false,
      stateDir: ".data/aiida-node",
      statusHost: "127.0.0.1",
      statusPort: 8090,
      profile: undefined,
      seed: undefined,
      simulate: undefined,
      printCodes: true,
      logLevel: "info",
    });
  });

  it("reads the environment, and flags win over it", () => {
    const env = {
      MARKETPLACE_NODE_URL: "https://mp.example:443",
      AIIDA_STATUS_PORT: "0",
      AIIDA_PROFILE: "nl-pv",
      AIIDA_SEED: "7",
      AIIDA_PRINT_CODES: "0",
    };
    expect(readNodeConfig([], env)).toMatchObject({
      marketplaceTarget: "mp.example:443",
      tls: true,
      statusPort: 0,
      profile: "nl-pv",
      seed: 7,
      printCodes: false,
    });
    expect(
      readNodeConfig(
        ["--marketplace", "10.0.0.1:7000", "--seed", "9", "--simulate", "100", "--country", "be"],
        env,
      ),
    ).toMatchObject({
      marketplaceTarget: "10.0.0.1:7000",
      tls: false,
      seed: 9,
      simulate: 100,
      country: "BE",
    });
  });

  it("names the flag or variable at fault", () => {
    expect(() => readNodeConfig([], { AIIDA_STATUS_PORT: "99999" })).toThrow(
      /^AIIDA_STATUS_PORT: /,
    );
    expect(() => readNodeConfig(["--simulate", "0"], {})).toThrow(/^--simulate: .*from 1/);
    expect(() => readNodeConfig(["--profile", "mars"], {})).toThrow(
      /--profile: unknown profile "mars"/,
    );
    expect(() => readNodeConfig([], { AIIDA_COUNTRY: "Austria" })).toThrow(/AIIDA_COUNTRY/);
    expect(() => readNodeConfig([], { MARKETPLACE_NODE_URL: "localhost" })).toThrow(
      /MARKETPLACE_NODE_URL: "localhost"/,
    );
    expect(() => readNodeConfig(["--bogus"], {})).toThrow(ConfigError);
  });

  it("answers --help with nothing to run", () => {
    expect(readNodeConfig(["--help"], {})).toBeUndefined();
  });
});

describe("parseTarget", () => {
  it("accepts host:port and http(s) URLs", () => {
    expect(parseTarget("127.0.0.1:50051")).toEqual({ target: "127.0.0.1:50051", tls: false });
    expect(parseTarget("http://localhost:50051/")).toEqual({
      target: "localhost:50051",
      tls: false,
    });
    expect(parseTarget("https://mp.example:443")).toEqual({ target: "mp.example:443", tls: true });
    expect(parseTarget("[::1]:50051")).toEqual({ target: "[::1]:50051", tls: false });
  });
});
