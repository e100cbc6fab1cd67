import type { DataSource, EnergyRecord, ObisCode } from "@eddie-marketplace/gen";
import { SimulatedMeter } from "./simulated-meter.js";
import { dataSourcesOf, type SourceProfile } from "./source-profiles.js";

/**
 * The data sources of one AIIDA instance and the readings behind them. Every
 * source here is simulated from the instance's seed (each source with its
 * own stream of values); meters are made on first read, so a swarm of many
 * instances that are only searched costs little memory.
 */
export class InstanceSources {
  /** The sources as advertised in `capabilities`, enabled or not. */
  readonly dataSources: readonly DataSource[];
  readonly seed: number;
  private readonly meters = new Map<string, SimulatedMeter>();

  constructor(dataSources: readonly DataSource[], seed: number) {
    const ids = new Set<string>();
    for (const s of dataSources) {
      if (ids.has(s.id)) throw new Error(`two data sources are called "${s.id}"`);
      ids.add(s.id);
    }
    this.dataSources = dataSources;
    this.seed = seed;
  }

  /** The sources of `profile`, in `country` when given, simulated from `seed`. */
  static fromProfile(profile: SourceProfile, seed: number, country?: string): InstanceSources {
    return new InstanceSources(dataSourcesOf(profile, country), seed);
  }

  /** The source called `id`, or undefined. */
  source(id: string): DataSource | undefined {
    return this.dataSources.find((s) => s.id === id);
  }

  /**
   * The records of `tags` from source `sourceId` sampled in [from, to):
   * deterministic for the instance's seed. Throws RangeError for an unknown
   * or disabled source, a code it does not yield, or a range too big.
   *
   * @example
   * const records = sources.readRecords("main-meter", [ObisCode.POSITIVE_ACTIVE_ENERGY],
   *   new Date("2026-03-01T00:00:00Z"), new Date("2026-03-01T01:00:00Z"));
   */
  readRecords(
    sourceId: string,
    tags: readonly ObisCode[],
    from: Date,
    to: Date,
    options: { maxRecords?: number } = {},
  ): EnergyRecord[] {
    return this.meter(sourceId).readRecords(tags, from, to, options);
  }

  /** The meter behind source `sourceId`. */
  meter(sourceId: string): SimulatedMeter {
    let meter = this.meters.get(sourceId);
    if (!meter) {
      const source = this.source(sourceId);
      if (!source) throw new RangeError(`no data source "${sourceId}" on this instance`);
      if (!source.enabled) throw new RangeError(`data source "${sourceId}" is switched off`);
      meter = new SimulatedMeter(source, this.seed);
      this.meters.set(sourceId, meter);
    }
    return meter;
  }
}
