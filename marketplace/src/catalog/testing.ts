import { create } from "@bufbuild/protobuf";
import {
  Asset,
  type DataNeed,
  DataNeedSchema,
  type DataRequestInput,
  DataRequestInputSchema,
  ObisCode,
  Schema,
  ServiceCategory,
  type ServiceOfferInput,
  ServiceOfferInputSchema,
} from "@eddie-marketplace/gen";

type Fields<T> = Partial<Omit<T, "$typeName" | "$unknown">>;

/**
 * A complete, valid data request input for tests: a heat pump optimisation
 * for Austria. Pass fields to change; `need` replaces data need fields.
 *
 * @example
 * const input = dataRequestInput({ countries: ["DE"] }, { dataTags: [ObisCode.FREQUENCY] });
 */
export function dataRequestInput(
  fields: Fields<Omit<DataRequestInput, "dataNeed">> = {},
  need: Fields<DataNeed> = {},
): DataRequestInput {
  const dataNeed = create(DataNeedSchema, {
    name: "Heat pump optimisation",
    description: "We shift your heat pump to the cheapest hours.",
    purpose: "Optimising heat pump operation against dynamic tariffs",
    policyLink: "https://ep.example/privacy",
    duration: { kind: { case: "relative", value: { start: "-P30D", end: "P1Y" } } },
    transmissionSchedule: "0 */15 * * * *",
    schemas: [Schema.SMART_METER_P1_CIM_V1_12],
    asset: Asset.CONNECTION_AGREEMENT_POINT,
    dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY, ObisCode.POSITIVE_ACTIVE_INSTANTANEOUS_POWER],
  });
  Object.assign(dataNeed, need);
  const input = create(DataRequestInputSchema, {
    dataNeed,
    countries: ["AT"],
    deliveryEndpoint: "https://receiver.ep.example:443",
  });
  return Object.assign(input, fields);
}

/** A complete, valid service offer input for tests; pass fields to change. */
export function serviceOfferInput(fields: Fields<ServiceOfferInput> = {}): ServiceOfferInput {
  const input = create(ServiceOfferInputSchema, {
    name: "Smart heating bonus",
    description: "Get 50 euros a year for letting us shift your heat pump.",
    category: ServiceCategory.FLEXIBILITY,
    countries: ["AT"],
    link: "https://ep.example/offer",
    dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY],
  });
  return Object.assign(input, fields);
}
