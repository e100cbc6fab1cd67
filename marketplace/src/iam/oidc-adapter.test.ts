import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../db/database.js";
import { openTestDatabase, testDatabaseKinds } from "../db/test-database.js";
import { type IamDb, iamDb, migrateIam } from "./iam-database.js";
import { loadOrCreateSecrets } from "./iam-secrets.js";
import { databaseAdapter, purgeExpired } from "./oidc-adapter.js";

describe.each(testDatabaseKinds())("the OpenID provider's storage on %s", (kind) => {
  let handle: DatabaseHandle;
  let db: IamDb;
  let Adapter: ReturnType<typeof databaseAdapter>;
  beforeAll(async () => {
    handle = await openTestDatabase(kind);
    db = iamDb(handle.db);
    await migrateIam(db);
    Adapter = databaseAdapter(db);
  });
  afterAll(() => handle?.close());

  it("stores, replaces, finds by uid and destroys", async () => {
    const sessions = new Adapter("Session");
    await sessions.upsert("s1", { uid: "u1", accountId: "a" }, 60);
    await sessions.upsert("s1", { uid: "u1", accountId: "b" }, 60);
    expect(await sessions.find("s1")).toMatchObject({ accountId: "b" });
    expect(await sessions.findByUid("u1")).toMatchObject({ accountId: "b" });
    expect(await new Adapter("Grant").find("s1")).toBeUndefined();
    await sessions.destroy("s1");
    expect(await sessions.find("s1")).toBeUndefined();
  });

  it("marks consumed codes and hides expired ones", async () => {
    const codes = new Adapter("AuthorizationCode");
    await codes.upsert("c1", { grantId: "g1" }, 60);
    await codes.consume("c1");
    const found = await codes.find("c1");
    expect(typeof found?.consumed).toBe("number");
    await codes.upsert("old", { grantId: "g1" }, 1);
    await db
      .updateTable("iam.oidc_payload")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("id", "=", "old")
      .execute();
    expect(await codes.find("old")).toBeUndefined();
    expect(await purgeExpired(db)).toBeGreaterThanOrEqual(1);
  });

  it("revokes everything of a grant", async () => {
    const tokens = new Adapter("RefreshToken");
    await tokens.upsert("r1", { grantId: "g2" }, 60);
    await tokens.upsert("r2", { grantId: "g2" }, 60);
    await tokens.upsert("r3", { grantId: "g3" }, 60);
    await tokens.revokeByGrantId("g2");
    expect(await tokens.find("r1")).toBeUndefined();
    expect(await tokens.find("r2")).toBeUndefined();
    expect(await tokens.find("r3")).toBeDefined();
  });

  it("makes the signing keys once and returns the same ones after", async () => {
    const [a, b] = await Promise.all([loadOrCreateSecrets(db), loadOrCreateSecrets(db)]);
    expect(a).toEqual(b);
    expect(await loadOrCreateSecrets(db)).toEqual(a);
    expect(a.jwks.keys.map((k) => k.alg)).toEqual(["ES256", "RS256"]);
    expect(a.jwks.keys.every((k) => typeof k.d === "string")).toBe(true);
  });
});
