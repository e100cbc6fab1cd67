import type { IncomingMessage, ServerResponse } from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type LocalServer, serveHttp } from "../testing/local-server.js";
import { clientCredentials } from "./client-credentials.js";
import { OAuthError } from "./token-endpoint.js";

// A tiny OIDC-shaped provider: discovery and a token endpoint for one client.
// The real IAM is exercised in tests/src/sdk/token-providers.test.ts; this one
// lets the test drive the clock through token lifetimes.
interface TokenRequest {
  readonly authorization: string | undefined;
  readonly form: URLSearchParams;
}

async function oidcShapedProvider(options: { issuerOverride?: string; expiresIn?: number } = {}) {
  const requests: TokenRequest[] = [];
  let issuer = "";
  let hold: Promise<void> | undefined;
  const server: LocalServer = await serveHttp(async (req: IncomingMessage, res: ServerResponse) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url === "/.well-known/openid-configuration") {
      return json(200, {
        issuer: options.issuerOverride ?? issuer,
        token_endpoint: `${issuer}/token`,
      });
    }
    if (req.url === "/token" && req.method === "POST") {
      let body = "";
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      requests.push({ authorization: req.headers.authorization, form });
      if (hold) await hold;
      const basic = req.headers.authorization?.replace(/^Basic /, "");
      const [id, secret] = basic
        ? Buffer.from(basic, "base64").toString().split(":").map(decodeURIComponent)
        : [form.get("client_id"), form.get("client_secret")];
      if (id !== "epc_1" || secret !== "s3cret/+") {
        return json(401, {
          error: "invalid_client",
          error_description: "client authentication failed",
        });
      }
      return json(200, {
        access_token: `tok-${requests.length}`,
        token_type: "Bearer",
        expires_in: options.expiresIn ?? 100,
      });
    }
    json(404, { error: "not_found" });
  });
  issuer = server.baseUrl;
  return {
    server,
    issuer,
    requests,
    holdTokens(): () => void {
      let release!: () => void;
      hold = new Promise((r) => {
        release = r;
      });
      return () => {
        hold = undefined;
        release();
      };
    },
  };
}

describe("client credentials token provider", () => {
  let open: LocalServer | undefined;
  afterEach(async () => {
    await open?.close();
    open = undefined;
  });

  it("fetches a token once, sends the client id and secret by HTTP Basic with the resource, and caches it", async () => {
    const iam = await oidcShapedProvider();
    open = iam.server;
    let now = 1_000_000;
    const tokens = clientCredentials({
      issuer: iam.issuer,
      clientId: "epc_1",
      clientSecret: "s3cret/+",
      resource: "urn:eddie:marketplace",
      now: () => now,
    });
    expect(await tokens.getToken()).toBe("tok-1");
    now += 50_000;
    expect(await tokens.getToken()).toBe("tok-1");
    expect(iam.requests).toHaveLength(1);
    const r = iam.requests[0];
    expect(r?.form.get("grant_type")).toBe("client_credentials");
    expect(r?.form.get("resource")).toBe("urn:eddie:marketplace");
    expect(r?.form.get("client_secret")).toBeNull();
    expect(r?.authorization).toBe(`Basic ${btoa("epc_1:s3cret%2F%2B")}`);
  });

  it("shares one request among concurrent callers", async () => {
    const iam = await oidcShapedProvider();
    open = iam.server;
    const tokens = clientCredentials({
      issuer: iam.issuer,
      clientId: "epc_1",
      clientSecret: "s3cret/+",
    });
    const release = iam.holdTokens();
    const all = Promise.all([tokens.getToken(), tokens.getToken(), tokens.getToken()]);
    await vi.waitFor(() => expect(iam.requests).toHaveLength(1));
    release();
    expect(await all).toEqual(["tok-1", "tok-1", "tok-1"]);
    expect(iam.requests).toHaveLength(1);
  });

  it("renews shortly before expiry in the background, and waits for a new token once the old one is nearly gone", async () => {
    const iam = await oidcShapedProvider({ expiresIn: 100 });
    open = iam.server;
    let now = 0;
    const tokens = clientCredentials({
      issuer: iam.issuer,
      clientId: "epc_1",
      clientSecret: "s3cret/+",
      now: () => now,
    });
    expect(await tokens.getToken()).toBe("tok-1");
    // Lifetime 100 s: renewal starts 25 s before the end (a quarter, under the 30 s default).
    now = 74_000;
    expect(await tokens.getToken()).toBe("tok-1");
    expect(iam.requests).toHaveLength(1);
    now = 80_000;
    expect(await tokens.getToken()).toBe("tok-1");
    await vi.waitFor(() => expect(tokens.current()?.accessToken).toBe("tok-2"));
    expect(await tokens.getToken()).toBe("tok-2");
    // tok-2 was issued at 80 s and lives to 180 s; at 179 s it is too close to use.
    now = 179_000;
    expect(await tokens.getToken()).toBe("tok-3");
    expect(iam.requests).toHaveLength(3);
  });

  it("fetches anew after invalidate()", async () => {
    const iam = await oidcShapedProvider();
    open = iam.server;
    const tokens = clientCredentials({
      issuer: iam.issuer,
      clientId: "epc_1",
      clientSecret: "s3cret/+",
    });
    expect(await tokens.getToken()).toBe("tok-1");
    tokens.invalidate();
    expect(await tokens.getToken()).toBe("tok-2");
  });

  it("can send the secret in the form body instead", async () => {
    const iam = await oidcShapedProvider();
    open = iam.server;
    const tokens = clientCredentials({
      issuer: iam.issuer,
      clientId: "epc_1",
      clientSecret: "s3cret/+",
      authMethod: "client_secret_post",
    });
    expect(await tokens.getToken()).toBe("tok-1");
    expect(iam.requests[0]?.authorization).toBeUndefined();
    expect(iam.requests[0]?.form.get("client_id")).toBe("epc_1");
  });

  it("answers UNAUTHENTICATED with the OAuth error as cause for a wrong secret", async () => {
    const iam = await oidcShapedProvider();
    open = iam.server;
    const tokens = clientCredentials({
      issuer: iam.issuer,
      clientId: "epc_1",
      clientSecret: "wrong",
    });
    const err = await tokens.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unauthenticated);
    expect((err as ConnectError).cause).toBeInstanceOf(OAuthError);
    expect(((err as ConnectError).cause as OAuthError).error).toBe("invalid_client");
  });

  it("answers FAILED_PRECONDITION when discovery names another issuer", async () => {
    const iam = await oidcShapedProvider({ issuerOverride: "https://elsewhere.example" });
    open = iam.server;
    const tokens = clientCredentials({
      issuer: iam.issuer,
      clientId: "epc_1",
      clientSecret: "s3cret/+",
    });
    await expect(tokens.getToken()).rejects.toMatchObject({ code: Code.FailedPrecondition });
  });

  it("answers UNAVAILABLE when the IAM can't be reached, and tries again on the next call", async () => {
    const iam = await oidcShapedProvider();
    await iam.server.close();
    const tokens = clientCredentials({
      issuer: iam.issuer,
      clientId: "epc_1",
      clientSecret: "s3cret/+",
    });
    await expect(tokens.getToken()).rejects.toMatchObject({ code: Code.Unavailable });
    await expect(tokens.getToken()).rejects.toMatchObject({ code: Code.Unavailable });
  });
});
