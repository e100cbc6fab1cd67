import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../db/database.js";
import { openTestDatabase } from "../db/test-database.js";
import {
  archiveDataRequest,
  type CatalogContext,
  createDataRequest,
  publishDataRequest,
  updateDataRequest,
} from "./lifecycle.js";
import { PublishedRequests } from "./published-requests.js";
import { dataRequestInput } from "./testing.js";

const acme = { organisation: { id: "org-acme", name: "Acme Energy" } };

describe("published data requests kept in memory", () => {
  let database: DatabaseHandle;
  let ctx: CatalogContext;
  /** Counts the statements run, to tell a kept copy from a database read. */
  let statements = 0;
  beforeAll(async () => {
    database = await openTestDatabase("embedded");
    ctx = { db: database.db, now: () => new Date() };
  });
  afterAll(async () => {
    await database?.close();
  });

  const counted = () =>
    database.db.withPlugin({
      transformQuery: (args) => {
        statements++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });

  it("reads a published request once, and a draft every time", async () => {
    const requests = new PublishedRequests(counted());
    const draft = await createDataRequest(ctx, acme, dataRequestInput());
    const published = await createDataRequest(ctx, acme, dataRequestInput({}, { name: "Kept" }));
    await publishDataRequest(ctx, acme, published.id);

    statements = 0;
    expect((await requests.find(published.id))?.dataRequest.dataNeed?.name).toBe("Kept");
    expect((await requests.find(published.id))?.status).toBe("published");
    expect(statements).toBe(1);

    statements = 0;
    expect((await requests.find(draft.id))?.status).toBe("draft");
    expect((await requests.find(draft.id))?.status).toBe("draft");
    expect(statements).toBe(2);
    expect(await requests.find("00000000-0000-4000-8000-000000000000")).toBeUndefined();
  });

  it("keeps a true copy: a published request can no longer be edited", async () => {
    const requests = new PublishedRequests(database.db);
    const request = await createDataRequest(ctx, acme, dataRequestInput());
    await publishDataRequest(ctx, acme, request.id);
    await requests.find(request.id);
    await expect(
      updateDataRequest(ctx, acme, request.id, dataRequestInput({}, { name: "Changed" })),
    ).rejects.toThrow(/published/);
    expect((await requests.find(request.id))?.dataRequest.dataNeed?.name).toBe(
      "Heat pump optimisation",
    );
  });

  it("reads a request again once it is forgotten (found archived)", async () => {
    const requests = new PublishedRequests(database.db);
    const request = await createDataRequest(ctx, acme, dataRequestInput());
    await publishDataRequest(ctx, acme, request.id);
    expect((await requests.find(request.id))?.status).toBe("published");
    await archiveDataRequest(ctx, acme, request.id);
    expect((await requests.find(request.id))?.status).toBe("published");
    requests.forget(request.id);
    expect((await requests.find(request.id))?.status).toBe("archived");
  });

  it("keeps at most its limit, dropping the oldest first", async () => {
    const requests = new PublishedRequests(counted(), 2);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await createDataRequest(ctx, acme, dataRequestInput());
      await publishDataRequest(ctx, acme, r.id);
      ids.push(r.id);
    }
    for (const id of ids) await requests.find(id);
    statements = 0;
    await requests.find(ids[2] as string);
    await requests.find(ids[1] as string);
    expect(statements).toBe(0);
    await requests.find(ids[0] as string);
    expect(statements).toBe(1);
  });
});
