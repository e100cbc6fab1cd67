import { create } from "@bufbuild/protobuf";
import {
  Asset,
  DataRequestInputSchema,
  ObisCode,
  Schema,
  ServiceCategory,
  ServiceOfferInputSchema,
} from "@eddie-marketplace/gen";
import type { Logger } from "@eddie-marketplace/sdk/log";
import type { Kysely } from "kysely";
import {
  createDataRequest,
  createServiceOffer,
  publishDataRequest,
  publishServiceOffer,
} from "../catalog/lifecycle.js";
import type { Database } from "../db/schema.js";
import { demoDeliveryEndpoint, demoOrganisation } from "./demo-organisation.js";

/**
 * Publishes the demo EP's catalog when its organisation has none yet: three
 * data requests matching different demo households (AT, NL, FR) and two
 * service offers. Goes through the catalog's own domain functions, so the
 * demo data passes the same validation as anyone's. Safe on every start.
 */
export async function ensureDemoCatalog(db: Kysely<Database>, log: Logger): Promise<number> {
  const existing = await db
    .selectFrom("data_request")
    .select("id")
    .where("organisation_id", "=", demoOrganisation.id)
    .limit(1)
    .executeTakeFirst();
  if (existing !== undefined) return 0;

  const ctx = { db, now: () => new Date() };
  const actor = { organisation: demoOrganisation };
  const requestIds: string[] = [];
  for (const input of demoRequests) {
    const draft = await createDataRequest(ctx, actor, create(DataRequestInputSchema, input));
    await publishDataRequest(ctx, actor, draft.id);
    requestIds.push(draft.id);
  }
  const offers = [
    {
      name: "Heat pump bonus",
      description:
        "Get 60 euros a year for letting us run your heat pump in the cheapest hours. Comfort stays yours: you set the temperature range.",
      category: ServiceCategory.FLEXIBILITY,
      countries: ["AT", "DE"],
      link: "https://demo-energy.example/heat-pump-bonus",
      dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY, ObisCode.POSITIVE_ACTIVE_INSTANTANEOUS_POWER],
      dataRequestId: requestIds[0] ?? "",
    },
    {
      name: "Solar self-consumption coach",
      description:
        "A weekly tip on when to run your appliances so you use more of your own solar power.",
      category: ServiceCategory.SELF_CONSUMPTION,
      countries: ["NL", "BE"],
      link: "https://demo-energy.example/solar-coach",
      dataTags: [ObisCode.NEGATIVE_ACTIVE_ENERGY, ObisCode.NEGATIVE_ACTIVE_INSTANTANEOUS_POWER],
      dataRequestId: requestIds[1] ?? "",
    },
  ];
  for (const input of offers) {
    const draft = await createServiceOffer(ctx, actor, create(ServiceOfferInputSchema, input));
    await publishServiceOffer(ctx, actor, draft.id);
  }
  log.info("demo catalog published", {
    organisation: demoOrganisation.name,
    data_requests: requestIds.length,
    service_offers: offers.length,
  });
  return requestIds.length + offers.length;
}

const policyLink = "https://demo-energy.example/privacy";

const demoRequests = [
  {
    dataNeed: {
      name: "Heat pump optimisation",
      description:
        "We read your meter every 15 minutes and move your heat pump's runs to the hours when power is cheapest and greenest.",
      purpose: "Optimising heat pump operation against dynamic tariffs",
      policyLink,
      duration: { kind: { case: "relative" as const, value: { start: "-P30D", end: "P1Y" } } },
      transmissionSchedule: "0 */15 * * * *",
      schemas: [Schema.SMART_METER_P1_CIM_V1_12],
      asset: Asset.CONNECTION_AGREEMENT_POINT,
      dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY, ObisCode.POSITIVE_ACTIVE_INSTANTANEOUS_POWER],
    },
    countries: ["AT", "DE"],
    deliveryEndpoint: demoDeliveryEndpoint,
  },
  {
    dataNeed: {
      name: "Solar feed-in insights",
      description:
        "We look at how much of your solar power goes to the grid, and when, to suggest a better tariff.",
      purpose: "Analysing solar feed-in for tariff advice",
      policyLink,
      duration: { kind: { case: "relative" as const, value: { start: "-P7D", end: "P6M" } } },
      transmissionSchedule: "0 0 * * * *",
      schemas: [Schema.SMART_METER_P1_RAW],
      asset: Asset.CONNECTION_AGREEMENT_POINT,
      dataTags: [ObisCode.NEGATIVE_ACTIVE_ENERGY, ObisCode.NEGATIVE_ACTIVE_INSTANTANEOUS_POWER],
    },
    countries: ["NL", "BE"],
    deliveryEndpoint: demoDeliveryEndpoint,
  },
  {
    dataNeed: {
      name: "Voltage quality study",
      description:
        "For a grid research project we record the voltage on each phase, to find where the low-voltage grid needs reinforcing.",
      purpose: "Research on low-voltage grid quality",
      policyLink,
      duration: { kind: { case: "relative" as const, value: { start: "P0D", end: "P3M" } } },
      transmissionSchedule: "0 */5 * * * *",
      schemas: [Schema.SMART_METER_P1_RAW],
      asset: Asset.CONNECTION_AGREEMENT_POINT,
      dataTags: [
        ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L1,
        ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L2,
        ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L3,
      ],
    },
    countries: ["NL", "FR", "AT"],
    deliveryEndpoint: demoDeliveryEndpoint,
  },
];
