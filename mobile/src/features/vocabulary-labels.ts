// How the app names the Marketplace's vocabulary for households. OBIS names
// and units come from the SDK (the contracts are the one table); the words
// around them are this app's.
import {
  Asset,
  describeObis,
  type ObisCode,
  type ObisDescription,
  obisCodes,
  PermissionState,
  Schema,
  ServiceCategory,
} from "@eddie-marketplace/sdk";

/** Every OBIS code, for filters. */
export const allObis: readonly ObisDescription[] = obisCodes;

/** "Energy import (kWh)", or the raw number when the code is unknown to this build. */
export function obisLabel(value: ObisCode): string {
  try {
    const d = describeObis(value);
    return d.unit ? `${d.name} (${d.unit})` : d.name;
  } catch {
    return `Measurement ${value}`;
  }
}

/** The OBIS code printed on the meter, e.g. "1-0:1.8.0"; "" when unknown. */
export function obisCode(value: ObisCode): string {
  try {
    return describeObis(value).code;
  } catch {
    return "";
  }
}

/** Where data is measured, in words a household knows. */
export const assetLabels: ReadonlyMap<Asset, string> = new Map([
  [Asset.CONNECTION_AGREEMENT_POINT, "Main meter (your grid connection)"],
  [Asset.CONTROLLABLE_UNIT, "A device that can be steered (heat pump, charger)"],
  [Asset.DEDICATED_MEASUREMENT_DEVICE, "A measuring device (clamp meter, smart plug)"],
  [Asset.SUBMETER, "A sub-meter behind the main meter"],
]);

/** The delivery formats, as the data recipient will receive them. */
export const schemaLabels: ReadonlyMap<Schema, string> = new Map([
  [Schema.SMART_METER_P1_RAW, "Raw meter readings"],
  [Schema.SMART_METER_P1_CIM_V1_04, "Standard format (CIM 1.04, history)"],
  [Schema.SMART_METER_P1_CIM_V1_12, "Standard format (CIM 1.12, real time)"],
]);

/** What a service offer is about. */
export const categoryLabels: ReadonlyMap<ServiceCategory, string> = new Map([
  [ServiceCategory.ENERGY_INSIGHTS, "Energy insights"],
  [ServiceCategory.FLEXIBILITY, "Flexibility"],
  [ServiceCategory.TARIFF, "Tariffs"],
  [ServiceCategory.SELF_CONSUMPTION, "Solar and batteries"],
  [ServiceCategory.DEVICE_OPTIMISATION, "Heat pumps and charging"],
  [ServiceCategory.RESEARCH, "Research"],
]);

/** How a permission's state reads, and whether data flows or may flow. */
export const permissionStateInfo: ReadonlyMap<
  PermissionState,
  { label: string; tone: "waiting" | "good" | "ended" | "bad"; sharing: boolean }
> = new Map([
  [PermissionState.REQUESTED, { label: "Waiting for you", tone: "waiting", sharing: false }],
  [PermissionState.APPROVED, { label: "Approved", tone: "good", sharing: true }],
  [PermissionState.CONFIGURING, { label: "Setting up", tone: "good", sharing: true }],
  [PermissionState.ACTIVE, { label: "Active", tone: "good", sharing: true }],
  [PermissionState.REJECTED, { label: "Rejected", tone: "ended", sharing: false }],
  [PermissionState.EXPIRED, { label: "Expired", tone: "ended", sharing: false }],
  [PermissionState.REVOKED, { label: "Revoked", tone: "ended", sharing: false }],
  [PermissionState.TERMINATED, { label: "Ended by them", tone: "ended", sharing: false }],
  [PermissionState.FULFILLED, { label: "Finished", tone: "ended", sharing: false }],
  [PermissionState.FAILED, { label: "Failed", tone: "bad", sharing: false }],
]);

/** The states a customer can revoke from. */
export const revocableStates: ReadonlySet<PermissionState> = new Set([
  PermissionState.APPROVED,
  PermissionState.CONFIGURING,
  PermissionState.ACTIVE,
]);

const regionNames = new Intl.DisplayNames(["en"], { type: "region" });

/** "Austria" for "AT"; the code itself when the browser doesn't know it. */
export function countryName(code: string): string {
  try {
    return regionNames.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

/** The countries offered in the browse filter: the EU, EEA and neighbours EDDIE serves. */
export const filterCountries: readonly string[] = [
  "AT",
  "BE",
  "BG",
  "CH",
  "CY",
  "CZ",
  "DE",
  "DK",
  "EE",
  "ES",
  "FI",
  "FR",
  "GR",
  "HR",
  "HU",
  "IE",
  "IT",
  "LT",
  "LU",
  "LV",
  "MT",
  "NL",
  "NO",
  "PL",
  "PT",
  "RO",
  "SE",
  "SI",
  "SK",
];
