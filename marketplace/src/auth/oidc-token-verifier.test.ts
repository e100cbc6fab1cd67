import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, createClient, createRouterTransport } from "@connectrpc/connect";
import { AccountService, Role } from "@eddie-marketplace/gen";
import { silentLogger } from "@eddie-marketplace/sdk/log";
import { exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authInterceptor } from "./auth-interceptor.js";
import { oidcTokenVerifier, principalFromClaims } from "./oidc-token-verifier.js";
import { callerOf } from "./principal.js";

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
const audience = "urn:eddie:marketplace";

/** A small OpenID issuer on a real port: discovery and a JWKS the test can change. */
async function startIssuer() {
  const state = { keys: [] as JWK[], jwksFetches: 0, down: false };
  const server: Server = createServer((req, res) => {
    if (state.down) {
      res.writeHead(503).end();
    } else if (req.url === "/.well-known/openid-configuration") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    } else if (req.url === "/jwks") {
      state.jwksFetches++;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: state.keys }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { issuer, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function publicJwk(pair: KeyPair, kid: string, alg: string): Promise<JWK> {
  return { ...(await exportJWK(pair.publicKey)), kid, alg, use: "sig" };
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

describe("access token verification (JWT attack suite)", () => {
  let issuer: Awaited<ReturnType<typeof startIssuer>>;
  let good: KeyPair;
  let stranger: KeyPair;
  const kid = "key-1";
  let handlerCalls = 0;

  const claims = (over: JWTPayload = {}): JWTPayload => ({
    iss: issuer.issuer,
    aud: audience,
    sub: "user-1",
    client_id: "eddie-web",
    role: "customer",
    email: "a@example.test",
    name: "A",
    ...over,
  });
  const sign = (
    payload: JWTPayload,
    options: { key?: KeyPair; kid?: string; typ?: string | null; exp?: number; nbf?: number } = {},
  ) => {
    const header: { alg: string; kid: string; typ?: string } = {
      alg: "ES256",
      kid: options.kid ?? kid,
    };
    if (options.typ !== null) header.typ = options.typ ?? "at+jwt";
    const jwt = new SignJWT(payload)
      .setProtectedHeader(header)
      .setIssuedAt()
      .setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 300);
    if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
    return jwt.sign((options.key ?? good).privateKey);
  };

  const verifier = () =>
    oidcTokenVerifier({ issuer: issuer.issuer, audience, keyRefetchCooldownMs: 0 });
  let shared: ReturnType<typeof verifier>;

  /** Calls GetMe behind the real interceptor; the handler counts that it ran. */
  const callWith = async (authorization: string | undefined) => {
    const transport = createRouterTransport(
      (router) =>
        router.service(AccountService, {
          getMe(_req, ctx) {
            handlerCalls++;
            const me = callerOf(ctx);
            return { account: { subject: me.subject, role: me.role } };
          },
        }),
      { router: { interceptors: [authInterceptor(shared, silentLogger)] } },
    );
    const client = createClient(AccountService, transport);
    const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
    return client.getMe({}, { headers });
  };

  beforeAll(async () => {
    issuer = await startIssuer();
    good = await generateKeyPair("ES256", { extractable: true });
    stranger = await generateKeyPair("ES256", { extractable: true });
    issuer.state.keys = [await publicJwk(good, kid, "ES256")];
    shared = verifier();
  });
  afterAll(() => issuer?.close());

  it("accepts a valid token and hands the handler its caller", async () => {
    const res = await callWith(`Bearer ${await sign(claims())}`);
    expect(res.account).toMatchObject({ subject: "user-1", role: Role.CUSTOMER });
  });

  const now = () => Math.floor(Date.now() / 1000);
  const attacks: [string, () => Promise<string | undefined>][] = [
    ["no Authorization header", async () => undefined],
    ["an empty bearer", async () => "Bearer "],
    ["another scheme", async () => `Basic ${Buffer.from("a:b").toString("base64")}`],
    ["a malformed token", async () => "Bearer not-a-jwt"],
    ["two tokens", async () => `Bearer ${await sign(claims())} ${await sign(claims())}`],
    [
      "alg none",
      async () =>
        `Bearer ${b64({ alg: "none", typ: "at+jwt", kid })}.${b64({ ...claims(), exp: now() + 300 })}.`,
    ],
    [
      "HS256 signed with the issuer's public key",
      async () => {
        const header = b64({ alg: "HS256", typ: "at+jwt", kid });
        const body = b64({ ...claims(), exp: now() + 300 });
        const pem = await exportSPKI(good.publicKey);
        const mac = createHmac("sha256", pem).update(`${header}.${body}`).digest("base64url");
        return `Bearer ${header}.${body}.${mac}`;
      },
    ],
    [
      "an unknown kid",
      async () => `Bearer ${await sign(claims(), { key: stranger, kid: "nope" })}`,
    ],
    [
      "another issuer's key under the known kid",
      async () => `Bearer ${await sign(claims(), { key: stranger })}`,
    ],
    ["a wrong audience", async () => `Bearer ${await sign(claims({ aud: "urn:someone:else" }))}`],
    ["a wrong issuer", async () => `Bearer ${await sign(claims({ iss: "https://evil.example" }))}`],
    ["an expired token", async () => `Bearer ${await sign(claims(), { exp: now() - 120 })}`],
    ["a token not valid yet", async () => `Bearer ${await sign(claims(), { nbf: now() + 600 })}`],
    ["a token without typ", async () => `Bearer ${await sign(claims(), { typ: null })}`],
    ["an ID token (typ JWT)", async () => `Bearer ${await sign(claims(), { typ: "JWT" })}`],
    ["a token without subject", async () => `Bearer ${await sign(claims({ sub: undefined }))}`],
    [
      "an eligible party without organisation",
      async () => `Bearer ${await sign(claims({ role: "eligible_party" }))}`,
    ],
    [
      "a tampered payload",
      async () => {
        const [h, , s] = (await sign(claims())).split(".");
        return `Bearer ${h}.${b64({ ...claims({ role: "eligible_party", org_id: "x" }), exp: now() + 300 })}.${s}`;
      },
    ],
  ];

  it.each(attacks)("refuses %s as UNAUTHENTICATED before any handler runs", async (_name, make) => {
    const before = handlerCalls;
    await expect(callWith(await make())).rejects.toMatchObject({ code: 16 /* Unauthenticated */ });
    expect(handlerCalls).toBe(before);
  });

  it("tolerates a little clock skew", async () => {
    const res = await callWith(`Bearer ${await sign(claims(), { exp: now() - 10 })}`);
    expect(res.account?.subject).toBe("user-1");
  });

  it("follows key rotation: a token under a new kid is accepted once the JWKS has it", async () => {
    const next = await generateKeyPair("ES256", { extractable: true });
    const token = await sign(claims({ sub: "user-2" }), { key: next, kid: "key-2" });
    await expect(callWith(`Bearer ${token}`)).rejects.toMatchObject({ code: 16 });
    issuer.state.keys = [
      await publicJwk(good, kid, "ES256"),
      await publicJwk(next, "key-2", "ES256"),
    ];
    const fetches = issuer.state.jwksFetches;
    const res = await callWith(`Bearer ${token}`);
    expect(res.account?.subject).toBe("user-2");
    expect(issuer.state.jwksFetches).toBe(fetches + 1);
    // Known keys are served from the cache.
    await callWith(`Bearer ${await sign(claims())}`);
    expect(issuer.state.jwksFetches).toBe(fetches + 1);
  });

  it("accepts a Keycloak-shaped token: RS256, several audiences, mapped claims", async () => {
    const realmKey = await generateKeyPair("RS256", { extractable: true });
    issuer.state.keys = [...issuer.state.keys, await publicJwk(realmKey, "kc-rsa", "RS256")];
    const token = await new SignJWT({
      iss: issuer.issuer,
      aud: ["account", audience],
      sub: "f:3b2c:erik",
      azp: "eddie-web",
      typ: "Bearer",
      realm_access: { roles: ["offline_access", "default-roles-eddie"] },
      scope: "openid email profile",
      role: "eligible_party",
      org_id: "acme",
      org_name: "Acme Energy",
      email: "erik@acme.example",
      name: "Erik",
    })
      .setProtectedHeader({ alg: "RS256", typ: "at+jwt", kid: "kc-rsa" })
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(realmKey.privateKey);
    await expect(shared.verify(token)).resolves.toMatchObject({
      subject: "f:3b2c:erik",
      role: Role.ELIGIBLE_PARTY,
      organisation: { id: "acme", name: "Acme Energy" },
      email: "erik@acme.example",
      clientId: undefined,
    });
  });

  it("refuses to be configured with a symmetric or empty algorithm", () => {
    expect(() =>
      oidcTokenVerifier({ issuer: issuer.issuer, audience, algorithms: ["HS256"] }),
    ).toThrow(/asymmetric/);
    expect(() =>
      oidcTokenVerifier({ issuer: issuer.issuer, audience, algorithms: ["none"] }),
    ).toThrow(/asymmetric/);
  });

  it("says UNAVAILABLE while the issuer is down, before any handler runs, and recovers", async () => {
    issuer.state.down = true;
    const fresh = oidcTokenVerifier({ issuer: issuer.issuer, audience });
    await expect(fresh.verify(await sign(claims()))).rejects.toMatchObject({
      code: Code.Unavailable,
    });
    const before = handlerCalls;
    const saved = shared;
    shared = fresh;
    try {
      await expect(callWith(`Bearer ${await sign(claims())}`)).rejects.toMatchObject({
        code: Code.Unavailable,
      });
    } finally {
      shared = saved;
    }
    expect(handlerCalls).toBe(before);
    issuer.state.down = false;
    await expect(fresh.verify(await sign(claims()))).resolves.toMatchObject({ subject: "user-1" });
    await expect(
      oidcTokenVerifier({ issuer: "http://127.0.0.1:1", audience }).verify(await sign(claims())),
    ).rejects.toMatchObject({ code: Code.Unavailable });
  });
});

describe("claims to principal", () => {
  it("maps an eligible party with organisation, and an API client by client_id = sub", () => {
    expect(
      principalFromClaims({
        sub: "epc_1",
        client_id: "epc_1",
        role: "eligible_party",
        org_id: "org_1",
        org_name: "Acme",
      }),
    ).toMatchObject({
      subject: "epc_1",
      clientId: "epc_1",
      role: Role.ELIGIBLE_PARTY,
      organisation: { id: "org_1", name: "Acme" },
    });
  });
  it("gives no role for an unknown role claim", () => {
    expect(principalFromClaims({ sub: "u", role: "admin" }).role).toBe(Role.UNSPECIFIED);
  });
});
