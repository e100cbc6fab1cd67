import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  Asset,
  type CatalogFilter,
  CatalogFilterSchema,
  ItemStatus,
  ObisCode,
  Schema,
  ServiceCategory,
  SortOrder,
} from "@eddie-marketplace/gen";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../api/errors.js";
import type { DatabaseHandle } from "../db/database.js";
import { openTestDatabase, testDatabaseKinds } from "../db/test-database.js";
import { type BrowseRequest, listDataRequests, listServiceOffers } from "./browse.js";
import {
  archiveDataRequest,
  type CatalogActor,
  type CatalogContext,
  createDataRequest,
  createServiceOffer,
  publishDataRequest,
  publishServiceOffer,
} from "./lifecycle.js";
import { findDataRequest } from "./repository.js";
import { dataRequestInput, serviceOfferInput } from "./testing.js";

const acme: CatalogActor = { organisation: { id: "acme", name: "Acme Energy" } };
const volt: CatalogActor = { organisation: { id: "volt", name: "Volt AG" } };
const household: CatalogActor = {};

function where(fields: MessageInitShape<typeof CatalogFilterSchema>): CatalogFilter {
  return create(CatalogFilterSchema, fields);
}

function ask(fields: Partial<BrowseRequest> = {}): BrowseRequest {
  return { sort: SortOrder.UNSPECIFIED, pageSize: 0, pageToken: "", ...fields };
}

describe.each(testDatabaseKinds())("browsing the catalog on %s", (kind) => {
  let handle: DatabaseHandle;
  let ctx: CatalogContext;
  let clock = Date.parse("2026-01-01T00:00:00Z");
  const names: Record<string, string> = {};

  async function publishRequest(
    actor: CatalogActor,
    label: string,
    ...args: Parameters<typeof dataRequestInput>
  ): Promise<string> {
    const [fields = {}, need = {}] = args;
    const draft = await createDataRequest(
      ctx,
      actor,
      dataRequestInput(fields, { name: label, ...need }),
    );
    await publishDataRequest(ctx, actor, draft.id);
    names[draft.id] = label;
    return draft.id;
  }

  const labels = (items: { id: string }[]) => items.map((i) => names[i.id] ?? i.id);

  beforeAll(async () => {
    handle = await openTestDatabase(kind);
    ctx = {
      db: handle.db,
      now: () => {
        clock += 1000;
        return new Date(clock);
      },
    };
    await publishRequest(acme, "r1 austria energy");
    await publishRequest(
      acme,
      "r2 germany voltage",
      {
        countries: ["DE"],
      },
      {
        dataTags: [ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L1],
        asset: Asset.SUBMETER,
        schemas: [Schema.SMART_METER_P1_RAW],
        purpose: "Grid quality research on voltage",
        description: "Voltage per phase for a grid study",
      },
    );
    await publishRequest(
      volt,
      "r3 volt heat pump",
      { countries: ["AT", "DE"] },
      {
        description: "Heat pump flexibility with a weekly report",
      },
    );
    const draft = await createDataRequest(ctx, acme, dataRequestInput({}, { name: "r4 draft" }));
    names[draft.id] = "r4 draft";
    const gone = await publishRequest(acme, "r5 archived");
    await archiveDataRequest(ctx, acme, gone);
  });
  afterAll(() => handle?.close());

  it("lists published requests newest first to anyone, never drafts or archived ones", async () => {
    const page = await listDataRequests(ctx, household, ask());
    expect(labels(page.items)).toEqual([
      "r3 volt heat pump",
      "r2 germany voltage",
      "r1 austria energy",
    ]);
    expect(page.nextPageToken).toBe("");
  });

  it("filters by country, data tag, asset, schema, purpose and organisation", async () => {
    const by = async (filter: BrowseRequest["filter"]) =>
      labels((await listDataRequests(ctx, household, ask({ filter }))).items);
    const f = where;
    expect(await by(f({ countries: ["DE"] }))).toEqual(["r3 volt heat pump", "r2 germany voltage"]);
    expect(await by(f({ dataTags: [ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L1] }))).toEqual([
      "r2 germany voltage",
    ]);
    expect(await by(f({ asset: Asset.SUBMETER }))).toEqual(["r2 germany voltage"]);
    expect(await by(f({ schemas: [Schema.SMART_METER_P1_CIM_V1_12] }))).toEqual([
      "r3 volt heat pump",
      "r1 austria energy",
    ]);
    expect(await by(f({ purpose: "GRID quality" }))).toEqual(["r2 germany voltage"]);
    expect(await by(f({ purpose: "100%" }))).toEqual([]);
    expect(await by(f({ organisationId: "volt" }))).toEqual(["r3 volt heat pump"]);
    expect(await by(f({ countries: ["AT"], organisationId: "acme" }))).toEqual([
      "r1 austria energy",
    ]);
  });

  it("finds free text in names, purposes and descriptions, and ranks by relevance on request", async () => {
    const filter = where({ text: "voltage" });
    const newest = await listDataRequests(ctx, household, ask({ filter }));
    expect(labels(newest.items)).toEqual(["r2 germany voltage"]);
    const heat = where({ text: "heat pump" });
    const ranked = await listDataRequests(
      ctx,
      household,
      ask({ filter: heat, sort: SortOrder.RELEVANCE }),
    );
    // r3 has "heat pump" in its name (weighted highest); r1 only in purpose and description.
    expect(labels(ranked.items)).toEqual(["r3 volt heat pump", "r1 austria energy"]);
  });

  it("pages with a token that stays correct while new items are published", async () => {
    const first = await listDataRequests(ctx, household, ask({ pageSize: 2 }));
    expect(labels(first.items)).toEqual(["r3 volt heat pump", "r2 germany voltage"]);
    expect(first.nextPageToken).not.toBe("");
    await publishRequest(volt, "r6 newer");
    const second = await listDataRequests(
      ctx,
      household,
      ask({ pageSize: 2, pageToken: first.nextPageToken }),
    );
    expect(labels(second.items)).toEqual(["r1 austria energy"]);
    expect(second.nextPageToken).toBe("");
    const fresh = await listDataRequests(ctx, household, ask({ pageSize: 2 }));
    expect(labels(fresh.items)[0]).toBe("r6 newer");
  });

  it("pages by relevance without repeating or skipping items", async () => {
    const filter = where({ text: "heat pump" });
    const all = await listDataRequests(ctx, household, ask({ filter, sort: SortOrder.RELEVANCE }));
    const seen: string[] = [];
    let token = "";
    do {
      const page = await listDataRequests(
        ctx,
        household,
        ask({ filter, sort: SortOrder.RELEVANCE, pageSize: 1, pageToken: token }),
      );
      seen.push(...labels(page.items));
      token = page.nextPageToken;
    } while (token !== "");
    expect(seen).toEqual(labels(all.items));
  });

  it("refuses a page token from another filter or a forged one", async () => {
    const first = await listDataRequests(ctx, household, ask({ pageSize: 1 }));
    const other = where({ countries: ["AT"] });
    await expect(
      listDataRequests(
        ctx,
        household,
        ask({ filter: other, pageSize: 1, pageToken: first.nextPageToken }),
      ),
    ).rejects.toThrow(/other filters/);
    await expect(
      listDataRequests(ctx, household, ask({ pageToken: "not-a-token" })),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it("lists an organisation's own items in every status with mine, filtered by status", async () => {
    const mineFilter = (status = ItemStatus.UNSPECIFIED) => where({ mine: true, status });
    const all = await listDataRequests(ctx, acme, ask({ filter: mineFilter() }));
    expect(labels(all.items)).toEqual([
      "r5 archived",
      "r4 draft",
      "r2 germany voltage",
      "r1 austria energy",
    ]);
    const drafts = await listDataRequests(ctx, acme, ask({ filter: mineFilter(ItemStatus.DRAFT) }));
    expect(labels(drafts.items)).toEqual(["r4 draft"]);
    const paged = await listDataRequests(ctx, acme, ask({ filter: mineFilter(), pageSize: 3 }));
    const rest = await listDataRequests(
      ctx,
      acme,
      ask({ filter: mineFilter(), pageSize: 3, pageToken: paged.nextPageToken }),
    );
    expect(labels(rest.items)).toEqual(["r1 austria energy"]);
    await expect(listDataRequests(ctx, household, ask({ filter: mineFilter() }))).rejects.toThrow(
      /filter.mine/,
    );
  });

  it("browses service offers by category, country and text", async () => {
    const a = await createServiceOffer(
      ctx,
      acme,
      serviceOfferInput({
        name: "Solar optimiser",
        category: ServiceCategory.SELF_CONSUMPTION,
        countries: ["NL"],
      }),
    );
    await publishServiceOffer(ctx, acme, a.id);
    const b = await createServiceOffer(ctx, volt, serviceOfferInput({ name: "Flex bonus" }));
    await publishServiceOffer(ctx, volt, b.id);
    await createServiceOffer(ctx, volt, serviceOfferInput({ name: "Unpublished" }));
    const all = await listServiceOffers(ctx, household, ask());
    expect(all.items.map((o) => o.name)).toEqual(["Flex bonus", "Solar optimiser"]);
    const solar = await listServiceOffers(
      ctx,
      household,
      ask({ filter: where({ category: ServiceCategory.SELF_CONSUMPTION }) }),
    );
    expect(solar.items.map((o) => o.name)).toEqual(["Solar optimiser"]);
    const nl = await listServiceOffers(
      ctx,
      household,
      ask({ filter: where({ countries: ["NL"] }) }),
    );
    expect(nl.items.map((o) => o.name)).toEqual(["Solar optimiser"]);
    const text = await listServiceOffers(ctx, household, ask({ filter: where({ text: "flex" }) }));
    expect(text.items.map((o) => o.name)).toEqual(["Flex bonus"]);
  });

  it("gives other parts the stored request with its organisation through findDataRequest", async () => {
    const [first] = (await listDataRequests(ctx, household, ask({ pageSize: 1 }))).items;
    const stored = await findDataRequest(handle.db, first!.id);
    expect(stored?.organisationId).toBe(first?.organisation?.id);
    expect(stored?.status).toBe("published");
    expect(stored?.dataRequest.dataNeed?.transmissionSchedule).toBe("0 */15 * * * *");
    expect(await findDataRequest(handle.db, "not-a-uuid")).toBeUndefined();
    expect(
      await findDataRequest(handle.db, "00000000-0000-4000-8000-000000000000"),
    ).toBeUndefined();
  });
});
