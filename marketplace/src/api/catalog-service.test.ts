import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  Asset,
  BadRequestSchema,
  CatalogService,
  DataNeedDurationSchema,
  type DataRequestInput,
  ItemStatus,
  ObisCode,
  Schema,
  ServiceCategory,
  type ServiceOfferInput,
} from "@eddie-marketplace/gen";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerPrincipal, epPrincipal } from "../auth/testing.js";
import { dataRequestInput, serviceOfferInput } from "../catalog/testing.js";
import type { DatabaseHandle } from "../db/database.js";
import { openTestDatabase, testDatabaseKinds } from "../db/test-database.js";
import { catalogRoutes } from "./catalog-service.js";
import { inMemoryApi } from "./testing.js";

/** The error a call failed with; fails the test when it did not fail. */
async function failure(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("the call succeeded but should have failed");
}

/** The field paths of the INVALID_ARGUMENT violations a call failed with. */
async function violations(call: Promise<unknown>): Promise<string[]> {
  const err = await failure(call);
  expect(err.code).toBe(Code.InvalidArgument);
  return err.findDetails(BadRequestSchema).flatMap((d) => d.fieldViolations.map((v) => v.field));
}

const relative = (start: string, end: string) =>
  create(DataNeedDurationSchema, { kind: { case: "relative", value: { start, end } } });
const absolute = (start: string, end: string) =>
  create(DataNeedDurationSchema, {
    kind: {
      case: "absolute",
      value: {
        start: timestampFromDate(new Date(start)),
        end: timestampFromDate(new Date(end)),
      },
    },
  });

describe.each(testDatabaseKinds())("CatalogService on %s", (kind) => {
  let database: DatabaseHandle;
  let acme: ReturnType<ReturnType<typeof inMemoryApi>["as"]>;
  let acmeColleague: typeof acme;
  let volt: typeof acme;
  let household: typeof acme;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    const api = inMemoryApi(catalogRoutes({ db: database.db }), {
      acme: epPrincipal("alice", "acme", "Acme Energy"),
      acme2: epPrincipal("bob", "acme", "Acme Energy"),
      volt: epPrincipal("vera", "volt", "Volt AG"),
      household: customerPrincipal("carla"),
    });
    acme = api.as("acme");
    acmeColleague = api.as("acme2");
    volt = api.as("volt");
    household = api.as("household");
  });
  afterAll(() => database?.close());

  const catalog = (who: typeof acme) => who.client(CatalogService);

  describe("data request lifecycle", () => {
    it("creates a draft, edits it, publishes it and archives it", async () => {
      const { dataRequest: draft } = await catalog(acme).createDataRequest({
        input: dataRequestInput(),
      });
      expect(draft?.status).toBe(ItemStatus.DRAFT);
      expect(draft?.organisation).toMatchObject({ id: "acme", name: "Acme Energy" });
      expect(draft?.publishedAt).toBeUndefined();
      expect(draft?.dataNeed?.dataTags).toEqual([
        ObisCode.POSITIVE_ACTIVE_ENERGY,
        ObisCode.POSITIVE_ACTIVE_INSTANTANEOUS_POWER,
      ]);
      const id = draft!.id;

      const { dataRequest: edited } = await catalog(acme).updateDataRequest({
        id,
        input: dataRequestInput({ countries: ["AT", "DE"] }, { name: "Renamed" }),
      });
      expect(edited?.dataNeed?.name).toBe("Renamed");
      expect(edited?.countries).toEqual(["AT", "DE"]);
      expect(edited?.status).toBe(ItemStatus.DRAFT);

      const { dataRequest: published } = await catalog(acmeColleague).publishDataRequest({ id });
      expect(published?.status).toBe(ItemStatus.PUBLISHED);
      expect(published?.publishedAt).toBeDefined();
      const seen = await catalog(household).getDataRequest({ id });
      expect(seen.dataRequest?.dataNeed?.name).toBe("Renamed");

      const { dataRequest: archived } = await catalog(acme).archiveDataRequest({ id });
      expect(archived?.status).toBe(ItemStatus.ARCHIVED);
      expect((await failure(catalog(household).getDataRequest({ id }))).code).toBe(Code.NotFound);
      expect((await catalog(acme).getDataRequest({ id })).dataRequest?.status).toBe(
        ItemStatus.ARCHIVED,
      );
    });

    it("keeps an absolute duration and every field as given", async () => {
      const input = dataRequestInput(
        { countries: ["NL"], deliveryEndpoint: "http://127.0.0.1:9000" },
        {
          duration: absolute("2026-01-01T00:00:00Z", "2026-12-31T23:59:59Z"),
          schemas: [Schema.SMART_METER_P1_RAW, Schema.SMART_METER_P1_CIM_V1_04],
          asset: Asset.SUBMETER,
          transmissionSchedule: "30 0 * * * MON-FRI",
        },
      );
      const { dataRequest } = await catalog(acme).createDataRequest({ input });
      const back = (await catalog(acme).getDataRequest({ id: dataRequest!.id })).dataRequest;
      expect(back?.dataNeed).toEqual(input.dataNeed);
      expect(back?.deliveryEndpoint).toBe("http://127.0.0.1:9000");
    });

    it("edits only drafts and publishes or archives only once", async () => {
      const { dataRequest } = await catalog(acme).createDataRequest({ input: dataRequestInput() });
      const id = dataRequest!.id;
      await catalog(acme).publishDataRequest({ id });
      const edit = await failure(
        catalog(acme).updateDataRequest({ id, input: dataRequestInput() }),
      );
      expect(edit.code).toBe(Code.FailedPrecondition);
      expect(edit.rawMessage).toMatch(/only a draft/);
      expect((await failure(catalog(acme).publishDataRequest({ id }))).code).toBe(
        Code.FailedPrecondition,
      );
      await catalog(acme).archiveDataRequest({ id });
      expect((await failure(catalog(acme).archiveDataRequest({ id }))).code).toBe(
        Code.FailedPrecondition,
      );
      expect((await failure(catalog(acme).publishDataRequest({ id }))).code).toBe(
        Code.FailedPrecondition,
      );
    });

    it("archives a draft that was never published", async () => {
      const { dataRequest } = await catalog(acme).createDataRequest({ input: dataRequestInput() });
      const { dataRequest: archived } = await catalog(acme).archiveDataRequest({
        id: dataRequest!.id,
      });
      expect(archived?.status).toBe(ItemStatus.ARCHIVED);
      expect(archived?.publishedAt).toBeUndefined();
    });
  });

  describe("ownership", () => {
    it("hides another organisation's drafts and archived items as if they did not exist", async () => {
      const { dataRequest } = await catalog(acme).createDataRequest({ input: dataRequestInput() });
      const id = dataRequest!.id;
      const missing = await failure(volt.client(CatalogService).getDataRequest({ id }));
      const unknown = await failure(
        catalog(volt).getDataRequest({ id: "00000000-0000-4000-8000-000000000000" }),
      );
      expect(missing.code).toBe(Code.NotFound);
      expect(unknown.code).toBe(Code.NotFound);
      expect((await failure(catalog(household).getDataRequest({ id }))).code).toBe(Code.NotFound);
      const mine = await catalog(volt).listDataRequests({ filter: { mine: true } });
      expect(mine.dataRequests.map((r) => r.id)).not.toContain(id);
    });

    it("lets no organisation change another's items, published or not", async () => {
      const { dataRequest } = await catalog(acme).createDataRequest({ input: dataRequestInput() });
      const id = dataRequest!.id;
      // One call at a time: a rejected promise left waiting while another is
      // awaited would be reported as unhandled.
      for (const call of [
        () => catalog(volt).updateDataRequest({ id, input: dataRequestInput() }),
        () => catalog(volt).publishDataRequest({ id }),
        () => catalog(volt).archiveDataRequest({ id }),
      ]) {
        expect((await failure(call())).code).toBe(Code.NotFound);
      }
      await catalog(acme).publishDataRequest({ id });
      expect((await failure(catalog(volt).archiveDataRequest({ id }))).code).toBe(Code.NotFound);
      // Published: everyone may read it, still nobody else may change it.
      expect((await catalog(volt).getDataRequest({ id })).dataRequest?.id).toBe(id);
      expect((await catalog(acme).getDataRequest({ id })).dataRequest?.status).toBe(
        ItemStatus.PUBLISHED,
      );
    });

    it("lets customers read and browse but not write", async () => {
      const denied = await failure(
        catalog(household).createDataRequest({ input: dataRequestInput() }),
      );
      expect(denied.code).toBe(Code.PermissionDenied);
      const offer = await failure(
        catalog(household).createServiceOffer({ input: serviceOfferInput() }),
      );
      expect(offer.code).toBe(Code.PermissionDenied);
      expect(
        await violations(catalog(household).listDataRequests({ filter: { mine: true } })),
      ).toEqual(["filter.mine"]);
    });

    it("lists an organisation's own items in any status for every member", async () => {
      const { dataRequest } = await catalog(acme).createDataRequest({
        input: dataRequestInput({}, { name: "Colleague can see this draft" }),
      });
      const own = await catalog(acmeColleague).listDataRequests({
        filter: { mine: true, status: ItemStatus.DRAFT },
        pageSize: 100,
      });
      expect(own.dataRequests.map((r) => r.id)).toContain(dataRequest!.id);
      expect(own.dataRequests.every((r) => r.status === ItemStatus.DRAFT)).toBe(true);
      expect(own.dataRequests.every((r) => r.organisation?.id === "acme")).toBe(true);
    });

    it("answers NOT_FOUND for IDs that are not IDs", async () => {
      expect((await failure(catalog(acme).getDataRequest({ id: "x" }))).code).toBe(Code.NotFound);
      expect((await failure(catalog(acme).publishServiceOffer({ id: "" }))).code).toBe(
        Code.NotFound,
      );
    });
  });

  describe("data request validation", () => {
    const create = (input: DataRequestInput | undefined) =>
      catalog(acme).createDataRequest({ input });
    const need = (fields: Parameters<typeof dataRequestInput>[1]) => dataRequestInput({}, fields);

    it.each<[string, DataRequestInput | undefined, string[]]>([
      ["missing input", undefined, ["input"]],
      [
        "missing data need",
        Object.assign(dataRequestInput(), { dataNeed: undefined }),
        ["input.data_need"],
      ],
      ["empty name", need({ name: "  " }), ["input.data_need.name"]],
      ["over-long name", need({ name: "x".repeat(121) }), ["input.data_need.name"]],
      ["empty description", need({ description: "" }), ["input.data_need.description"]],
      [
        "over-long description",
        need({ description: "x".repeat(4001) }),
        ["input.data_need.description"],
      ],
      ["empty purpose", need({ purpose: "" }), ["input.data_need.purpose"]],
      ["over-long purpose", need({ purpose: "x".repeat(1001) }), ["input.data_need.purpose"]],
      ["no policy link", need({ policyLink: "" }), ["input.data_need.policy_link"]],
      [
        "http policy link",
        need({ policyLink: "http://ep.example/p" }),
        ["input.data_need.policy_link"],
      ],
      [
        "policy link not a URL",
        need({ policyLink: "ep.example" }),
        ["input.data_need.policy_link"],
      ],
      ["no duration", need({ duration: undefined }), ["input.data_need.duration"]],
      ["empty duration", need({ duration: create0() }), ["input.data_need.duration"]],
      [
        "bad relative start",
        need({ duration: relative("30 days", "P1Y") }),
        ["input.data_need.duration.relative.start"],
      ],
      [
        "time in a period",
        need({ duration: relative("P0D", "PT12H") }),
        ["input.data_need.duration.relative.end"],
      ],
      [
        "bare P",
        need({ duration: relative("P", "P1D") }),
        ["input.data_need.duration.relative.start"],
      ],
      [
        "relative end before start",
        need({ duration: relative("P10D", "-P1D") }),
        ["input.data_need.duration.relative.end"],
      ],
      [
        "absolute end before start",
        need({ duration: absolute("2026-02-01", "2026-01-01") }),
        ["input.data_need.duration.absolute.end"],
      ],
      [
        "absolute end equal start",
        need({ duration: absolute("2026-02-01", "2026-02-01") }),
        ["input.data_need.duration.absolute.end"],
      ],
      [
        "no schedule",
        need({ transmissionSchedule: "" }),
        ["input.data_need.transmission_schedule"],
      ],
      [
        "five-field cron",
        need({ transmissionSchedule: "*/15 * * * *" }),
        ["input.data_need.transmission_schedule"],
      ],
      [
        "bad cron value",
        need({ transmissionSchedule: "61 * * * * *" }),
        ["input.data_need.transmission_schedule"],
      ],
      [
        "cron that never fires",
        need({ transmissionSchedule: "0 0 0 30 2 *" }),
        ["input.data_need.transmission_schedule"],
      ],
      ["no schemas", need({ schemas: [] }), ["input.data_need.schemas"]],
      [
        "unspecified schema",
        need({ schemas: [Schema.UNSPECIFIED] }),
        ["input.data_need.schemas[0]"],
      ],
      [
        "unknown schema",
        need({ schemas: [Schema.SMART_METER_P1_RAW, 77 as Schema] }),
        ["input.data_need.schemas[1]"],
      ],
      [
        "duplicate schema",
        need({ schemas: [Schema.SMART_METER_P1_RAW, Schema.SMART_METER_P1_RAW] }),
        ["input.data_need.schemas[1]"],
      ],
      ["no asset", need({ asset: Asset.UNSPECIFIED }), ["input.data_need.asset"]],
      ["unknown asset", need({ asset: 42 as Asset }), ["input.data_need.asset"]],
      ["no data tags", need({ dataTags: [] }), ["input.data_need.data_tags"]],
      [
        "unspecified OBIS code",
        need({ dataTags: [ObisCode.FREQUENCY, ObisCode.UNSPECIFIED] }),
        ["input.data_need.data_tags[1]"],
      ],
      [
        "unknown OBIS code",
        need({ dataTags: [999 as ObisCode] }),
        ["input.data_need.data_tags[0]"],
      ],
      [
        "duplicate data tag",
        need({ dataTags: [ObisCode.FREQUENCY, ObisCode.FREQUENCY] }),
        ["input.data_need.data_tags[1]"],
      ],
      ["no countries", dataRequestInput({ countries: [] }), ["input.countries"]],
      ["unknown country", dataRequestInput({ countries: ["AT", "XX"] }), ["input.countries[1]"]],
      ["lower-case country", dataRequestInput({ countries: ["at"] }), ["input.countries[0]"]],
      ["alpha-3 country", dataRequestInput({ countries: ["AUT"] }), ["input.countries[0]"]],
      ["duplicate country", dataRequestInput({ countries: ["AT", "AT"] }), ["input.countries[1]"]],
      [
        "no delivery endpoint",
        dataRequestInput({ deliveryEndpoint: "" }),
        ["input.delivery_endpoint"],
      ],
      [
        "delivery endpoint not a URL",
        dataRequestInput({ deliveryEndpoint: "receiver:443" }),
        ["input.delivery_endpoint"],
      ],
      [
        "plain http to a remote receiver",
        dataRequestInput({ deliveryEndpoint: "http://ep.example:80" }),
        ["input.delivery_endpoint"],
      ],
      [
        "delivery endpoint with credentials",
        dataRequestInput({ deliveryEndpoint: "https://u:p@ep.example" }),
        ["input.delivery_endpoint"],
      ],
    ])("rejects %s", async (_, input, fields) => {
      expect(await violations(create(input))).toEqual(fields);
    });

    it("reports every broken rule at once and stores nothing", async () => {
      const before = await catalog(acme).listDataRequests({
        filter: { mine: true },
        pageSize: 100,
      });
      const fields = await violations(
        create(
          dataRequestInput(
            { countries: ["XX"], deliveryEndpoint: "" },
            { name: "", dataTags: [], transmissionSchedule: "nope" },
          ),
        ),
      );
      expect(fields).toEqual([
        "input.data_need.name",
        "input.data_need.transmission_schedule",
        "input.data_need.data_tags",
        "input.countries[0]",
        "input.delivery_endpoint",
      ]);
      const after = await catalog(acme).listDataRequests({ filter: { mine: true }, pageSize: 100 });
      expect(after.dataRequests.length).toBe(before.dataRequests.length);
    });

    it("tells the user what to do in each violation", async () => {
      const err = await failure(create(need({ transmissionSchedule: "*/15 * * * *" })));
      const [detail] = err.findDetails(BadRequestSchema);
      expect(detail?.fieldViolations[0]?.description).toMatch(/cron expression with seconds/);
    });

    it("validates an update like a create, leaving the draft as it was", async () => {
      const { dataRequest } = await create(dataRequestInput());
      const id = dataRequest!.id;
      expect(
        await violations(
          catalog(acme).updateDataRequest({
            id,
            input: need({ dataTags: [ObisCode.UNSPECIFIED] }),
          }),
        ),
      ).toEqual(["input.data_need.data_tags[0]"]);
      const kept = await catalog(acme).getDataRequest({ id });
      expect(kept.dataRequest?.dataNeed?.dataTags).toEqual(dataRequest?.dataNeed?.dataTags);
    });
  });

  describe("service offers", () => {
    it("go through the same lifecycle", async () => {
      const { serviceOffer: draft } = await catalog(acme).createServiceOffer({
        input: serviceOfferInput(),
      });
      expect(draft?.status).toBe(ItemStatus.DRAFT);
      expect(draft?.category).toBe(ServiceCategory.FLEXIBILITY);
      const id = draft!.id;
      expect((await failure(catalog(household).getServiceOffer({ id }))).code).toBe(Code.NotFound);
      const { serviceOffer: edited } = await catalog(acme).updateServiceOffer({
        id,
        input: serviceOfferInput({ name: "Better bonus", countries: ["AT", "SI"] }),
      });
      expect(edited?.name).toBe("Better bonus");
      const { serviceOffer: published } = await catalog(acme).publishServiceOffer({ id });
      expect(published?.status).toBe(ItemStatus.PUBLISHED);
      expect((await catalog(household).getServiceOffer({ id })).serviceOffer?.name).toBe(
        "Better bonus",
      );
      const list = await catalog(household).listServiceOffers({ filter: { countries: ["SI"] } });
      expect(list.serviceOffers.map((o) => o.id)).toEqual([id]);
      expect(
        (await failure(catalog(acme).updateServiceOffer({ id, input: serviceOfferInput() }))).code,
      ).toBe(Code.FailedPrecondition);
      expect((await failure(catalog(volt).archiveServiceOffer({ id }))).code).toBe(Code.NotFound);
      const { serviceOffer: archived } = await catalog(acme).archiveServiceOffer({ id });
      expect(archived?.status).toBe(ItemStatus.ARCHIVED);
      expect((await failure(catalog(acme).archiveServiceOffer({ id }))).code).toBe(
        Code.FailedPrecondition,
      );
    });

    it("may use a data request of the same organisation, published before the offer", async () => {
      const { dataRequest } = await catalog(acme).createDataRequest({ input: dataRequestInput() });
      const requestId = dataRequest!.id;
      const { serviceOffer } = await catalog(acme).createServiceOffer({
        input: serviceOfferInput({ dataRequestId: requestId }),
      });
      expect(serviceOffer?.dataRequestId).toBe(requestId);
      const early = await failure(catalog(acme).publishServiceOffer({ id: serviceOffer!.id }));
      expect(early.code).toBe(Code.FailedPrecondition);
      await catalog(acme).publishDataRequest({ id: requestId });
      const { serviceOffer: published } = await catalog(acme).publishServiceOffer({
        id: serviceOffer!.id,
      });
      expect(published?.status).toBe(ItemStatus.PUBLISHED);
      // Another organisation can't hang its offer on acme's request.
      expect(
        await violations(
          catalog(volt).createServiceOffer({
            input: serviceOfferInput({ dataRequestId: requestId }),
          }),
        ),
      ).toEqual(["input.data_request_id"]);
    });

    it.each<[string, ServiceOfferInput | undefined, string[]]>([
      ["missing input", undefined, ["input"]],
      ["empty name", serviceOfferInput({ name: "" }), ["input.name"]],
      ["over-long name", serviceOfferInput({ name: "n".repeat(121) }), ["input.name"]],
      ["empty description", serviceOfferInput({ description: " " }), ["input.description"]],
      [
        "over-long description",
        serviceOfferInput({ description: "d".repeat(4001) }),
        ["input.description"],
      ],
      [
        "no category",
        serviceOfferInput({ category: ServiceCategory.UNSPECIFIED }),
        ["input.category"],
      ],
      [
        "unknown category",
        serviceOfferInput({ category: 99 as ServiceCategory }),
        ["input.category"],
      ],
      ["no countries", serviceOfferInput({ countries: [] }), ["input.countries"]],
      ["unknown country", serviceOfferInput({ countries: ["UK"] }), ["input.countries[0]"]],
      ["no link", serviceOfferInput({ link: "" }), ["input.link"]],
      ["http link", serviceOfferInput({ link: "http://ep.example" }), ["input.link"]],
      ["no data tags", serviceOfferInput({ dataTags: [] }), ["input.data_tags"]],
      [
        "unknown data tag",
        serviceOfferInput({ dataTags: [ObisCode.UNSPECIFIED] }),
        ["input.data_tags[0]"],
      ],
      [
        "duplicate data tag",
        serviceOfferInput({ dataTags: [ObisCode.FREQUENCY, ObisCode.FREQUENCY] }),
        ["input.data_tags[1]"],
      ],
      [
        "malformed data request ID",
        serviceOfferInput({ dataRequestId: "r-1" }),
        ["input.data_request_id"],
      ],
      [
        "unknown data request",
        serviceOfferInput({ dataRequestId: "00000000-0000-4000-8000-000000000000" }),
        ["input.data_request_id"],
      ],
    ])("rejects %s", async (_, input, fields) => {
      expect(await violations(catalog(acme).createServiceOffer({ input }))).toEqual(fields);
    });
  });

  describe("browsing", () => {
    it.each<[string, object, string[]]>([
      ["an unknown country", { filter: { countries: ["ZZ"] } }, ["filter.countries[0]"]],
      [
        "an unspecified data tag",
        { filter: { dataTags: [ObisCode.UNSPECIFIED] } },
        ["filter.data_tags[0]"],
      ],
      ["an unknown schema", { filter: { schemas: [9 as Schema] } }, ["filter.schemas[0]"]],
      ["an unknown asset", { filter: { asset: 9 as Asset } }, ["filter.asset"]],
      ["an unknown category", { filter: { category: 99 as ServiceCategory } }, ["filter.category"]],
      ["over-long text", { filter: { text: "t".repeat(201) } }, ["filter.text"]],
      ["a status without mine", { filter: { status: ItemStatus.DRAFT } }, ["filter.status"]],
      ["a page size over 100", { pageSize: 101 }, ["page_size"]],
      ["a negative page size", { pageSize: -1 }, ["page_size"]],
      ["a made-up page token", { pageToken: "abc" }, ["page_token"]],
    ])("rejects %s", async (_, request, fields) => {
      expect(await violations(catalog(household).listDataRequests(request))).toEqual(fields);
    });

    it("serves customers and eligible parties the same published items, 20 by default", async () => {
      for (let i = 0; i < 21; i++) {
        const { dataRequest } = await catalog(volt).createDataRequest({
          input: dataRequestInput({ countries: ["LU"] }, { name: `Lux ${i}` }),
        });
        await catalog(volt).publishDataRequest({ id: dataRequest!.id });
      }
      const filter = { countries: ["LU"] };
      const forHousehold = await catalog(household).listDataRequests({ filter });
      const forAcme = await catalog(acme).listDataRequests({ filter });
      expect(forHousehold.dataRequests.length).toBe(20);
      expect(forHousehold.dataRequests.map((r) => r.id)).toEqual(
        forAcme.dataRequests.map((r) => r.id),
      );
      expect(forHousehold.dataRequests[0]?.dataNeed?.name).toBe("Lux 20");
      const rest = await catalog(household).listDataRequests({
        filter,
        pageToken: forHousehold.nextPageToken,
      });
      expect(rest.dataRequests.map((r) => r.dataNeed?.name)).toEqual(["Lux 0"]);
      expect(rest.nextPageToken).toBe("");
    });
  });
});

function create0() {
  return create(DataNeedDurationSchema, {});
}
