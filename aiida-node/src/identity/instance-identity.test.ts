import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  IDENTITY_FILE,
  loadOrCreateIdentities,
  loadOrCreateIdentity,
} from "./instance-identity.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "aiida-identity-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadOrCreateIdentity", () => {
  it("makes an identity on the first start and keeps it across restarts", async () => {
    const first = await loadOrCreateIdentity(join(dir, "state"));
    expect(first.created).toBe(true);
    expect(first.identity.instanceId).toMatch(/^[0-9a-f-]{36}$/);
    const again = await loadOrCreateIdentity(join(dir, "state"));
    expect(again.created).toBe(false);
    expect(again.identity.instanceId).toBe(first.identity.instanceId);
    expect(again.identity.publicKeyJwk).toBe(first.identity.publicKeyJwk);
  });

  it("keeps the key readable only by its owner", async () => {
    await loadOrCreateIdentity(dir);
    const mode = (await stat(join(dir, IDENTITY_FILE))).mode & 0o777;
    expect(mode).toBe(0o600);
  });

  it("advertises only the public half of the key", async () => {
    const { identity } = await loadOrCreateIdentity(dir);
    const jwk = JSON.parse(identity.publicKeyJwk) as Record<string, unknown>;
    expect(jwk).toEqual({ kty: "OKP", crv: "Ed25519", x: expect.any(String) });
  });

  it("refuses a damaged identity file instead of replacing the key", async () => {
    await writeFile(join(dir, IDENTITY_FILE), JSON.stringify({ instance_id: "nope" }));
    await expect(loadOrCreateIdentity(dir)).rejects.toThrow(/damaged.*not a UUID/);
    expect(await readFile(join(dir, IDENTITY_FILE), "utf8")).toContain("nope");
  });
});

describe("loadOrCreateIdentities", () => {
  it("keeps a swarm's identities in one file and grows it when asked for more", async () => {
    const file = join(dir, "swarm.json");
    const three = await loadOrCreateIdentities(file, 3);
    expect(new Set(three.map((i) => i.instanceId)).size).toBe(3);
    const five = await loadOrCreateIdentities(file, 5);
    expect(five.slice(0, 3).map((i) => i.instanceId)).toEqual(three.map((i) => i.instanceId));
    const two = await loadOrCreateIdentities(file, 2);
    expect(two.map((i) => i.publicKeyJwk)).toEqual(three.slice(0, 2).map((i) => i.publicKeyJwk));
  });
});
