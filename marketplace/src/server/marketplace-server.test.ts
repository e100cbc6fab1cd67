import { spawn } from "node:child_process";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import {
  AccountService,
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus as Status,
} from "@eddie-marketplace/gen";
import { grpcServiceDefinition } from "@eddie-marketplace/sdk/grpc-js";
import { silentLogger } from "@eddie-marketplace/sdk/log";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRoutes } from "../api/routes.js";
import { loadConfig } from "../config.js";
import { type DatabaseHandle, openDatabase } from "../db/database.js";
import { type MarketplaceServer, startMarketplace } from "./marketplace-server.js";

describe("the Marketplace server", () => {
  let database: DatabaseHandle;
  let server: MarketplaceServer;
  beforeAll(async () => {
    database = await openDatabase({});
    server = await startMarketplace({
      config: loadConfig({
        MARKETPLACE_PORT: "0",
        MARKETPLACE_GRPC_PORT: "0",
        MARKETPLACE_HOST: "127.0.0.1",
        MARKETPLACE_GRPC_HOST: "127.0.0.1",
      }),
      database,
      log: silentLogger,
      routes: apiRoutes({ db: database.db }),
    });
  });
  afterAll(async () => {
    await server.stop(1000);
    await database.close();
  });

  it("answers the health check over plain HTTP/1.1 JSON, as curl would", async () => {
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/grpc.health.v1.Health/Check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(await res.json()).toEqual({ status: "SERVING" });
  });

  it("answers gRPC over HTTP/2 on the same client-facing port", async () => {
    const client = createClient(
      Health,
      createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.httpPort}` }),
    );
    expect((await client.check({})).status).toBe(Status.SERVING);
  });

  it("answers the gRPC health check on the node-facing port", async () => {
    const Client = grpc.makeGenericClientConstructor(
      grpcServiceDefinition(Health) as grpc.ServiceDefinition,
      "Health",
    );
    const client = new Client(`127.0.0.1:${server.grpcPort}`, grpc.credentials.createInsecure());
    const status = await new Promise<number>((resolve, reject) =>
      (
        client as unknown as { check: grpc.requestCallback<unknown> & ((...a: unknown[]) => void) }
      ).check(
        create(HealthCheckRequestSchema, {}),
        (err: grpc.ServiceError | null, res: { status: number }) =>
          err ? reject(err) : resolve(res.status),
      ),
    );
    client.close();
    expect(status).toBe(Status.SERVING);
  });

  it("answers NOT_FOUND for a health check of an unknown service", async () => {
    const client = createClient(
      Health,
      createConnectTransport({
        baseUrl: `http://127.0.0.1:${server.httpPort}`,
        httpVersion: "1.1",
      }),
    );
    await expect(client.check({ service: "nope.v1.Nope" })).rejects.toMatchObject({
      code: Code.NotFound,
    });
  });

  it("registers every client-facing service; unbuilt methods answer UNIMPLEMENTED", async () => {
    const client = createClient(
      AccountService,
      createConnectTransport({
        baseUrl: `http://127.0.0.1:${server.httpPort}`,
        httpVersion: "1.1",
      }),
    );
    const err = await client.getMe({}).catch((e: unknown) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unimplemented);
  });
});

describe("the Marketplace server's compression", () => {
  let database: DatabaseHandle;
  let server: MarketplaceServer;
  const big = "x".repeat(10_000);
  beforeAll(async () => {
    database = await openDatabase({});
    server = await startMarketplace({
      config: loadConfig({
        MARKETPLACE_PORT: "0",
        MARKETPLACE_GRPC_PORT: "0",
        MARKETPLACE_HOST: "127.0.0.1",
        MARKETPLACE_GRPC_HOST: "127.0.0.1",
      }),
      database,
      log: silentLogger,
      // The real routes, with services that answer about 10 KB each.
      routes: apiRoutes({
        db: database.db,
        account: { getMe: () => ({ account: { displayName: big } }) },
        search: {
          async *searchInstances() {
            yield { event: { case: "summary", value: { id: "run", dataRequestId: big } } };
          },
        },
      }),
    });
  });
  afterAll(async () => {
    await server.stop(1000);
    await database.close();
  });

  const url = (path: string) => `http://127.0.0.1:${server.httpPort}/eddie.marketplace.v1.${path}`;

  it("gzips a unary answer of a few KB for a browser, which always accepts gzip", async () => {
    const res = await fetch(url("AccountService/GetMe"), {
      method: "POST",
      headers: { "content-type": "application/json", "accept-encoding": "gzip" },
      body: "{}",
    });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    const body = (await res.json()) as { account: { displayName: string } };
    expect(body.account.displayName).toBe(big);
  });

  it("streams a search's messages of a few KB uncompressed, though the client accepts gzip", async () => {
    const request = Buffer.from("{}");
    const envelope = Buffer.concat([Buffer.from([0, 0, 0, 0, request.length]), request]);
    const res = await fetch(url("SearchService/SearchInstances"), {
      method: "POST",
      headers: {
        "content-type": "application/connect+json",
        "connect-accept-encoding": "gzip",
      },
      body: envelope,
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    // The first envelope: flags (bit 0: compressed), length, the message.
    const flags = bytes[0] ?? -1;
    const length = bytes.readUInt32BE(1);
    expect(flags & 0b01).toBe(0);
    const message = JSON.parse(bytes.subarray(5, 5 + length).toString()) as {
      summary: { dataRequestId: string };
    };
    expect(message.summary.dataRequestId).toBe(big);
  });
});

describe("the Marketplace program", () => {
  it("stops at once with a one-line message naming a bad variable", async () => {
    const child = spawn("npx", ["tsx", "src/main.ts"], {
      cwd: new URL("../..", import.meta.url).pathname,
      env: { ...process.env, MARKETPLACE_PORT: "http" },
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(2);
    const lines = stderr.split("\n").filter((l) => l.startsWith("marketplace:"));
    expect(lines).toEqual([
      'marketplace: bad configuration: MARKETPLACE_PORT: must be a whole number, got "http"',
    ]);
  });
});
