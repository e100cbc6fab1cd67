import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  Asset,
  type DataSource,
  DataSourceSchema,
  DataSourceType,
  ObisCode,
} from "@eddie-marketplace/gen";

/**
 * The fixed instant every simulated history is measured back from, so a
 * source's history start depends on its profile only, never on the clock.
 */
export const HISTORY_ANCHOR = new Date("2026-01-01T00:00:00Z");

const day = 86_400_000;

/** One data source of a profile, before it is placed in a country. */
export interface SourceTemplate {
  readonly id: string;
  readonly name: string;
  readonly type: DataSourceType;
  readonly asset: Asset;
  readonly dataTags: readonly ObisCode[];
  readonly samplingSeconds: number;
  /** History starts this many days before HISTORY_ANCHOR. */
  readonly historyDays: number;
  readonly enabled: boolean;
}

/** A household set-up: the country it is in and the sources it has. */
export interface SourceProfile {
  readonly name: string;
  readonly description: string;
  readonly country: string;
  readonly sources: readonly SourceTemplate[];
}

const {
  POSITIVE_ACTIVE_ENERGY: import_kwh,
  NEGATIVE_ACTIVE_ENERGY: export_kwh,
  POSITIVE_ACTIVE_INSTANTANEOUS_POWER: import_kw,
  NEGATIVE_ACTIVE_INSTANTANEOUS_POWER: export_kw,
  POSITIVE_REACTIVE_ENERGY: reactive_import_kvarh,
  NEGATIVE_REACTIVE_ENERGY: reactive_export_kvarh,
  INSTANTANEOUS_CURRENT_IN_PHASE_L1: current_l1,
  INSTANTANEOUS_CURRENT_IN_PHASE_L2: current_l2,
  INSTANTANEOUS_CURRENT_IN_PHASE_L3: current_l3,
  INSTANTANEOUS_VOLTAGE_IN_PHASE_L1: voltage_l1,
  INSTANTANEOUS_VOLTAGE_IN_PHASE_L2: voltage_l2,
  INSTANTANEOUS_VOLTAGE_IN_PHASE_L3: voltage_l3,
  INSTANTANEOUS_POWER_FACTOR: power_factor,
  FREQUENCY: frequency,
} = ObisCode;

/**
 * The household set-ups a simulated instance can have. A swarm cycles
 * through them in this order; `--profile` picks one for every instance.
 */
export const SOURCE_PROFILES: readonly SourceProfile[] = [
  {
    name: "at-household",
    description:
      "Austrian flat, Oesterreichs Energie adapter on the main meter, one year of history",
    country: "AT",
    sources: [
      {
        id: "main-meter",
        name: "Main meter",
        type: DataSourceType.OESTERREICHS_ENERGIE_ADAPTER,
        asset: Asset.CONNECTION_AGREEMENT_POINT,
        dataTags: [
          import_kwh,
          export_kwh,
          import_kw,
          export_kw,
          reactive_import_kvarh,
          reactive_export_kvarh,
        ],
        samplingSeconds: 5,
        historyDays: 365,
        enabled: true,
      },
    ],
  },
  {
    name: "nl-pv",
    description:
      "Dutch house with solar panels: P1 adapter with per-phase values, Shelly on the inverter",
    country: "NL",
    sources: [
      {
        id: "p1",
        name: "P1 port",
        type: DataSourceType.SMART_METER_ADAPTER,
        asset: Asset.CONNECTION_AGREEMENT_POINT,
        dataTags: [
          import_kwh,
          export_kwh,
          import_kw,
          export_kw,
          voltage_l1,
          voltage_l2,
          voltage_l3,
          current_l1,
          current_l2,
          current_l3,
        ],
        samplingSeconds: 10,
        historyDays: 90,
        enabled: true,
      },
      {
        id: "pv-inverter",
        name: "PV inverter",
        type: DataSourceType.SHELLY,
        asset: Asset.SUBMETER,
        dataTags: [export_kwh, export_kw],
        samplingSeconds: 60,
        historyDays: 30,
        enabled: true,
      },
    ],
  },
  {
    name: "fr-linky",
    description: "French flat, Micro Teleinfo dongle on a Linky meter, one month of history",
    country: "FR",
    sources: [
      {
        id: "linky",
        name: "Linky",
        type: DataSourceType.MICRO_TELEINFO,
        asset: Asset.CONNECTION_AGREEMENT_POINT,
        dataTags: [import_kwh, import_kw],
        samplingSeconds: 60,
        historyDays: 30,
        enabled: true,
      },
    ],
  },
  {
    name: "it-alfa",
    description: "Italian house, Sinapsi Alfa on the meter, quarter-hourly values for two years",
    country: "IT",
    sources: [
      {
        id: "alfa",
        name: "Sinapsi Alfa",
        type: DataSourceType.SINAPSI_ALFA,
        asset: Asset.CONNECTION_AGREEMENT_POINT,
        dataTags: [import_kwh, export_kwh, import_kw, export_kw],
        samplingSeconds: 900,
        historyDays: 730,
        enabled: true,
      },
    ],
  },
  {
    name: "de-heatpump",
    description:
      "German house with a heat pump: simulated main meter, Shelly on the heat pump, a switched-off garage meter",
    country: "DE",
    sources: [
      {
        id: "main-meter",
        name: "Main meter",
        type: DataSourceType.SIMULATION,
        asset: Asset.CONNECTION_AGREEMENT_POINT,
        dataTags: [import_kwh, import_kw, voltage_l1, power_factor, frequency],
        samplingSeconds: 15,
        historyDays: 180,
        enabled: true,
      },
      {
        id: "heat-pump",
        name: "Heat pump",
        type: DataSourceType.SHELLY,
        asset: Asset.CONTROLLABLE_UNIT,
        dataTags: [import_kwh, import_kw, current_l1, voltage_l1],
        samplingSeconds: 30,
        historyDays: 60,
        enabled: true,
      },
      {
        id: "garage",
        name: "Garage",
        type: DataSourceType.SHELLY,
        asset: Asset.DEDICATED_MEASUREMENT_DEVICE,
        dataTags: [import_kwh, import_kw],
        samplingSeconds: 10,
        historyDays: 365,
        enabled: false,
      },
    ],
  },
];

/** The profile called `name`; throws naming the known ones otherwise. */
export function sourceProfile(name: string): SourceProfile {
  const profile = SOURCE_PROFILES.find((p) => p.name === name);
  if (!profile) {
    throw new Error(
      `unknown profile "${name}"; known: ${SOURCE_PROFILES.map((p) => p.name).join(", ")}`,
    );
  }
  return profile;
}

/**
 * The data sources of a profile as the contract describes them (what an
 * instance advertises in `capabilities`), placed in `country` when given.
 */
export function dataSourcesOf(profile: SourceProfile, country?: string): DataSource[] {
  return profile.sources.map((s) =>
    create(DataSourceSchema, {
      id: s.id,
      name: s.name,
      type: s.type,
      asset: s.asset,
      country: country ?? profile.country,
      dataTags: [...s.dataTags],
      samplingInterval: durationFromMs(s.samplingSeconds * 1000),
      historyStart: timestampFromMs(HISTORY_ANCHOR.getTime() - s.historyDays * day),
      enabled: s.enabled,
    }),
  );
}
