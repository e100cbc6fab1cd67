import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LinkStatus } from "../link/marketplace-link.js";
import { dataSourcesOf, sourceProfile } from "../sources/source-profiles.js";
import {
  pairingUri,
  type StatusServer,
  type StatusView,
  startStatusServer,
} from "./status-server.js";

const idA = "0b7c6a1e-2f0d-4c57-9d1a-6f1f3c8e2a11";
const idB = "5d2e9f40-8a3b-4e6c-b1d7-0c9a8e7f6b22";

function view(instanceId: string, status: Partial<LinkStatus>): StatusView {
  return {
    identity: { instanceId },
    profile: "de-heatpump",
    sources: { dataSources: dataSourcesOf(sourceProfile("de-heatpump")) },
    link: {
      status: {
        state: "attached",
        claimed: false,
        pairingCode: undefined,
        attempts: 1,
        attachedAt: new Date(),
        lastError: undefined,
        ...status,
      },
    },
  };
}

const a = view(idA, {
  pairingCode: { code: "K7Q-4PX-9ZD", expiresAt: new Date("2030-01-01T00:00:00Z") },
});
const b = view(idB, { claimed: true, state: "backing-off", lastError: "UNAVAILABLE: gone" });

async function get(server: StatusServer, path: string) {
  const res = await fetch(new URL(path, server.url));
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

describe("status server with one instance", () => {
  let server: StatusServer;
  beforeAll(async () => {
    server = await startStatusServer({
      host: "127.0.0.1",
      port: 0,
      directory: { version: "1.2.3", list: () => [a], get: (id) => (id === idA ? a : undefined) },
    });
  });
  afterAll(() => server.close());

  it("shows the ID, connection, pairing code and a QR code of the pairing URI", async () => {
    expect(server.port).toBeGreaterThan(0);
    const page = await get(server, "/");
    expect(page.type).toContain("text/html");
    expect(page.body).toContain(idA);
    expect(page.body).toContain("attached");
    expect(page.body).toContain("K7Q-4PX-9ZD");
    expect(page.body).toContain("<svg");
    const qr = await get(server, "/qr.svg");
    expect(qr.type).toBe("image/svg+xml");
    expect(qr.body).toContain("<path");
  });

  it("gives the same as JSON, with the sources in AIIDA's words", async () => {
    const json = JSON.parse((await get(server, "/status.json")).body);
    expect(json).toMatchObject({
      instance_id: idA,
      version: "1.2.3",
      state: "attached",
      claimed: false,
      pairing_code: "K7Q-4PX-9ZD",
      pairing_uri: pairingUri(idA, "K7Q-4PX-9ZD"),
      pairing_code_expires_at: "2030-01-01T00:00:00.000Z",
    });
    expect(json.pairing_uri).toBe(`aiida:${idA}:K7Q-4PX-9ZD`);
    expect(json.data_sources[0]).toMatchObject({
      id: "main-meter",
      type: "SIMULATION",
      asset: "CONNECTION-AGREEMENT-POINT",
      country: "DE",
      data_tags: ["1-0:1.8.0", "1-0:1.7.0", "1-0:32.7.0", "1-0:13.7.0", "1-0:14.7.0"],
      sampling_interval_seconds: 15,
      enabled: true,
    });
  });
});

describe("status server with a swarm", () => {
  let server: StatusServer;
  beforeAll(async () => {
    const all = [a, b];
    server = await startStatusServer({
      host: "127.0.0.1",
      port: 0,
      directory: {
        version: "1.2.3",
        list: () => all,
        get: (id) => all.find((v) => v.identity.instanceId === id),
      },
    });
  });
  afterAll(() => server.close());

  it("lists every instance and gives each its own page", async () => {
    const list = await get(server, "/");
    expect(list.body).toContain(idA);
    expect(list.body).toContain(idB);
    const nodes = JSON.parse((await get(server, "/nodes.json")).body) as { instance_id: string }[];
    expect(nodes.map((n) => n.instance_id)).toEqual([idA, idB]);
    const pageB = await get(server, `/nodes/${idB}`);
    expect(pageB.body).toContain("Claimed by a customer");
    expect(pageB.body).toContain("UNAVAILABLE: gone");
    expect(server.instanceUrl(idB)).toBe(`${server.url}nodes/${idB}`);
    const summary = JSON.parse((await get(server, "/status.json")).body);
    expect(summary).toEqual({ count: 2, states: { attached: 1, "backing-off": 1 }, claimed: 1 });
  });

  it("says plainly when there is no such instance or no code to show", async () => {
    expect((await get(server, "/nodes/00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await get(server, `/nodes/${idB}/qr.svg`)).status).toBe(404);
  });
});
