import { silentLogger } from "@eddie-marketplace/sdk/log";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../db/database.js";
import { openTestDatabase } from "../db/test-database.js";
import { ensureDemoCatalog } from "./demo-catalog.js";
import { demoOrganisation } from "./demo-organisation.js";

describe("the demo catalog", () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase("embedded");
  });
  afterAll(() => handle.close());

  it("publishes the demo EP's requests and offers once, and nothing on later starts", async () => {
    expect(await ensureDemoCatalog(handle.db, silentLogger)).toBe(5);
    expect(await ensureDemoCatalog(handle.db, silentLogger)).toBe(0);
    const rows = await handle.db
      .selectFrom("data_request")
      .select(["status", "organisation_id"])
      .execute();
    expect(rows).toHaveLength(3);
    expect(
      rows.every((r) => r.status === "published" && r.organisation_id === demoOrganisation.id),
    ).toBe(true);
    const offers = await handle.db.selectFrom("service_offer").select("status").execute();
    expect(offers.map((o) => o.status)).toEqual(["published", "published"]);
  });
});
