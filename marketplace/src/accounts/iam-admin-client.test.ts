import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { apiClientRegistryFor, IamUnavailableError, iamAdminRegistry } from "./iam-admin-client.js";

describe("the IAM admin client", () => {
  let server: Server;
  let url: string;
  let status = 201;
  const seen: { method?: string; auth?: string; body: string }[] = [];
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      seen.push({ method: req.method, auth: req.headers.authorization, body });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(status === 201 ? JSON.stringify({ client_id: "epc_1", client_secret: "s" }) : "{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const input = { name: "n", organisationId: "o", organisationName: "O", createdBy: "u" };

  it("creates and deletes clients with the admin token", async () => {
    const registry = iamAdminRegistry({ url, token: "t0ken-t0ken-t0ken" });
    status = 201;
    expect(await registry.create(input)).toEqual({ clientId: "epc_1", clientSecret: "s" });
    status = 204;
    await registry.remove("epc_1");
    status = 404;
    await registry.remove("epc_1");
    expect(seen.map((s) => [s.method, s.auth])).toEqual([
      ["POST", "Bearer t0ken-t0ken-t0ken"],
      ["DELETE", "Bearer t0ken-t0ken-t0ken"],
      ["DELETE", "Bearer t0ken-t0ken-t0ken"],
    ]);
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual({
      name: "n",
      org_id: "o",
      org_name: "O",
      created_by: "u",
    });
  });

  it("says UNAVAILABLE when the IAM is down or failing, and fails loudly when it refuses", async () => {
    const down = iamAdminRegistry({ url: "http://127.0.0.1:1", token: "x" });
    await expect(down.create(input)).rejects.toBeInstanceOf(IamUnavailableError);
    const registry = iamAdminRegistry({ url, token: "x" });
    status = 503;
    await expect(registry.remove("epc_1")).rejects.toBeInstanceOf(IamUnavailableError);
    status = 401;
    const refused = await registry.create(input).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    expect(refused).not.toBeInstanceOf(IamUnavailableError);
  });

  it("is configured by IAM_ADMIN_TOKEN, at IAM_ADMIN_URL or the issuer", () => {
    expect(apiClientRegistryFor(loadConfig({}))).toBeUndefined();
    expect(apiClientRegistryFor(loadConfig({ IAM_ADMIN_TOKEN: "t" }))).toBeDefined();
    expect(loadConfig({ OIDC_ISSUER: "http://iam:1" }).iamAdminUrl).toBe("http://iam:1");
    expect(loadConfig({ IAM_ADMIN_URL: "http://admin:2" }).iamAdminUrl).toBe("http://admin:2");
  });
});
