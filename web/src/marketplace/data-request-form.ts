import {
  Asset,
  type DataRequest,
  type MarketplaceClient,
  ObisCode as Obis,
  type ObisCode,
  Schema,
} from "@eddie-marketplace/sdk";
import type { DurationValue } from "../components/duration-field.js";
import { fromDate, toDateInput } from "./time-format.js";

/** A data request as its form holds it while the person edits. */
export interface DataRequestFormValue {
  name: string;
  description: string;
  purpose: string;
  policyLink: string;
  duration: DurationValue;
  schedule: string;
  schemas: Schema[];
  asset: Asset;
  dataTags: ObisCode[];
  countries: string[];
  deliveryEndpoint: string;
}

/** A data request's input as a message init, the way client calls take it. */
export type DataRequestInputInit = NonNullable<
  Parameters<MarketplaceClient["catalog"]["createDataRequest"]>[0]["input"]
>;

/** What a new request starts with: common choices, nothing the EP must not notice. */
export function emptyDataRequestForm(): DataRequestFormValue {
  return {
    name: "",
    description: "",
    purpose: "",
    policyLink: "",
    duration: {
      kind: "relative",
      relativeStart: "P0D",
      relativeEnd: "P30D",
      absoluteStart: "",
      absoluteEnd: "",
    },
    schedule: "0 */15 * * * *",
    schemas: [Schema.SMART_METER_P1_CIM_V1_12],
    asset: Asset.CONNECTION_AGREEMENT_POINT,
    dataTags: [Obis.POSITIVE_ACTIVE_ENERGY],
    countries: [],
    deliveryEndpoint: "",
  };
}

/** The form for an existing request. */
export function dataRequestToForm(r: DataRequest): DataRequestFormValue {
  const n = r.dataNeed;
  const d = n?.duration?.kind;
  return {
    name: n?.name ?? "",
    description: n?.description ?? "",
    purpose: n?.purpose ?? "",
    policyLink: n?.policyLink ?? "",
    duration:
      d?.case === "absolute"
        ? {
            kind: "absolute",
            relativeStart: "P0D",
            relativeEnd: "P30D",
            absoluteStart: toDateInput(d.value.start),
            absoluteEnd: toDateInput(d.value.end),
          }
        : {
            kind: "relative",
            relativeStart: d?.case === "relative" ? d.value.start : "P0D",
            relativeEnd: d?.case === "relative" ? d.value.end : "P30D",
            absoluteStart: "",
            absoluteEnd: "",
          },
    schedule: n?.transmissionSchedule ?? "",
    schemas: [...(n?.schemas ?? [])],
    asset: n?.asset ?? Asset.UNSPECIFIED,
    dataTags: [...(n?.dataTags ?? [])],
    countries: [...r.countries],
    deliveryEndpoint: r.deliveryEndpoint,
  };
}

function dateAt(value: string, endOfDay: boolean) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  return fromDate(new Date(`${value}T${endOfDay ? "23:59:59" : "00:00:00"}Z`));
}

/**
 * The request's input as sent to the Marketplace. Nothing is checked here:
 * the Marketplace validates and names every wrong field.
 */
export function formToDataRequestInput(f: DataRequestFormValue): DataRequestInputInit {
  return {
    dataNeed: {
      name: f.name.trim(),
      description: f.description.trim(),
      purpose: f.purpose.trim(),
      policyLink: f.policyLink.trim(),
      duration: {
        kind:
          f.duration.kind === "relative"
            ? {
                case: "relative",
                value: {
                  start: f.duration.relativeStart.trim(),
                  end: f.duration.relativeEnd.trim(),
                },
              }
            : {
                case: "absolute",
                value: {
                  start: dateAt(f.duration.absoluteStart, false),
                  end: dateAt(f.duration.absoluteEnd, true),
                },
              },
      },
      transmissionSchedule: f.schedule.trim(),
      schemas: f.schemas,
      asset: f.asset,
      dataTags: f.dataTags,
    },
    countries: f.countries,
    deliveryEndpoint: f.deliveryEndpoint.trim(),
  };
}
