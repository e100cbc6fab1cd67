import { create } from "@bufbuild/protobuf";
import { durationMs, timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import {
  Asset,
  type DataSource,
  type EnergyRecord,
  EnergyRecordSchema,
  ObisCode,
} from "@eddie-marketplace/gen";
import { tryDescribeObis } from "@eddie-marketplace/sdk/vocabulary";

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** Refuses reads bigger than this unless asked for more; delivery reads in pages. */
export const DEFAULT_MAX_RECORDS = 100_000;

/**
 * A smart meter simulated from a seed: every value is a pure function of the
 * seed, the source, the OBIS code and the sample instant, so two instances
 * with the same seed yield identical data and a test can predict it.
 *
 * The household draws a daily load curve peaking in the evening and, when the
 * source yields export codes, has solar panels producing around noon. Energy
 * counters (1.8.0, 2.8.0, 3.8.0, 4.8.0) are the integrals of the mean curves,
 * so they only ever rise; instantaneous values carry seeded noise. Samples lie
 * on a grid: history start + k x sampling interval.
 *
 * @example
 * const meter = new SimulatedMeter(source, 42);
 * const records = meter.readRecords([ObisCode.POSITIVE_ACTIVE_ENERGY], from, to);
 */
export class SimulatedMeter {
  readonly source: DataSource;
  private readonly hash: number;
  private readonly intervalMs: number;
  private readonly historyStartMs: number;
  private readonly tags: ReadonlySet<ObisCode>;
  private readonly meanLoadKw: number;
  private readonly loadSwingKw: number;
  private readonly peakFraction: number;
  private readonly pvPeakKw: number;
  private readonly importAtStartKwh: number;
  private readonly exportAtStartKwh: number;
  private readonly measuresItself: boolean;

  constructor(source: DataSource, seed: number) {
    if (!source.samplingInterval || durationMs(source.samplingInterval) <= 0) {
      throw new RangeError(`source "${source.id}" needs a positive sampling interval`);
    }
    if (!source.historyStart) throw new RangeError(`source "${source.id}" needs a history start`);
    this.source = source;
    this.hash = mix(mix(seed >>> 0) ^ stringHash(source.id));
    this.intervalMs = durationMs(source.samplingInterval);
    this.historyStartMs = timestampMs(source.historyStart);
    this.tags = new Set(source.dataTags);
    this.meanLoadKw = 0.3 + 0.5 * this.unit(1);
    this.loadSwingKw = 0.5 * this.meanLoadKw;
    this.peakFraction = (17 + 3 * this.unit(2)) / 24;
    const yieldsExport =
      this.tags.has(ObisCode.NEGATIVE_ACTIVE_ENERGY) ||
      this.tags.has(ObisCode.NEGATIVE_ACTIVE_INSTANTANEOUS_POWER);
    this.pvPeakKw = yieldsExport ? 2 + 4 * this.unit(3) : 0;
    this.importAtStartKwh = 1000 + 20_000 * this.unit(4);
    this.exportAtStartKwh = yieldsExport ? 500 + 5000 * this.unit(5) : 0;
    this.measuresItself = source.asset !== Asset.CONNECTION_AGREEMENT_POINT;
  }

  /** The first instant the meter holds a sample for. */
  get historyStart(): Date {
    return new Date(this.historyStartMs);
  }

  /**
   * The records of `tags` sampled in [from, to), ordered by time and then by
   * the order of `tags`. Throws RangeError for a code the source does not
   * yield, an empty or reversed range, or more than `maxRecords` records.
   */
  readRecords(
    tags: readonly ObisCode[],
    from: Date,
    to: Date,
    options: { maxRecords?: number } = {},
  ): EnergyRecord[] {
    for (const tag of tags) {
      if (!this.tags.has(tag)) {
        const code = tryDescribeObis(tag)?.code ?? `#${tag}`;
        throw new RangeError(`source "${this.source.id}" does not yield ${code}`);
      }
    }
    const fromMs = from.getTime();
    const toMs = to.getTime();
    if (!(fromMs < toMs)) throw new RangeError("the range must end after it starts");
    const first = Math.max(0, Math.ceil((fromMs - this.historyStartMs) / this.intervalMs));
    const end = Math.ceil((toMs - this.historyStartMs) / this.intervalMs);
    const count = Math.max(0, end - first) * tags.length;
    const max = options.maxRecords ?? DEFAULT_MAX_RECORDS;
    if (count > max) {
      throw new RangeError(`the range holds ${count} records, more than ${max}; read it in parts`);
    }
    const records: EnergyRecord[] = [];
    for (let k = first; k < end; k++) {
      const at = this.historyStartMs + k * this.intervalMs;
      for (const tag of tags) {
        records.push(
          create(EnergyRecordSchema, {
            dataTag: tag,
            value: this.sample(tag, k),
            measuredAt: timestampFromMs(at),
            dataSourceId: this.source.id,
          }),
        );
      }
    }
    return records;
  }

  /** The value of `tag` at sample `k` (at history start + k x interval). */
  sample(tag: ObisCode, k: number): number {
    const at = this.historyStartMs + k * this.intervalMs;
    const noise = (salt: number) => this.noise(tag * 16 + salt, k);
    const load = this.meanLoad(at) * (0.8 + 0.4 * noise(1));
    const pv = this.solar(at) * (0.85 + 0.15 * noise(2));
    const importKw = this.measuresItself ? load : Math.max(0, load - pv);
    const exportKw = this.measuresItself ? pv : Math.max(0, pv - load);
    const loadKwh = this.loadEnergy(at) - this.loadEnergy(this.historyStartMs);
    const phaseVoltage = (phase: number) => 230 + 6 * (this.noise(100 + phase, k) - 0.5);
    const phaseCurrent = (phase: number) =>
      (((importKw + exportKw) * 1000) / 3 / phaseVoltage(phase)) * (0.9 + 0.2 * noise(3));
    switch (tag) {
      case ObisCode.POSITIVE_ACTIVE_ENERGY:
        return round(this.importAtStartKwh + loadKwh, 3);
      case ObisCode.NEGATIVE_ACTIVE_ENERGY:
        return round(
          this.exportAtStartKwh + this.solarEnergy(at) - this.solarEnergy(this.historyStartMs),
          3,
        );
      case ObisCode.POSITIVE_ACTIVE_INSTANTANEOUS_POWER:
        return round(importKw, 3);
      case ObisCode.NEGATIVE_ACTIVE_INSTANTANEOUS_POWER:
        return round(exportKw, 3);
      case ObisCode.POSITIVE_REACTIVE_ENERGY:
        return round(0.1 * this.importAtStartKwh + 0.12 * loadKwh, 3);
      case ObisCode.NEGATIVE_REACTIVE_ENERGY:
        return round(0.02 * this.importAtStartKwh + 0.03 * loadKwh, 3);
      case ObisCode.POSITIVE_REACTIVE_INSTANTANEOUS_POWER:
        return round(0.12 * load, 3);
      case ObisCode.NEGATIVE_REACTIVE_INSTANTANEOUS_POWER:
        return round(0.03 * load, 3);
      case ObisCode.INSTANTANEOUS_CURRENT_IN_PHASE_L1:
        return round(phaseCurrent(1), 2);
      case ObisCode.INSTANTANEOUS_CURRENT_IN_PHASE_L2:
        return round(phaseCurrent(2), 2);
      case ObisCode.INSTANTANEOUS_CURRENT_IN_PHASE_L3:
        return round(phaseCurrent(3), 2);
      case ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L1:
        return round(phaseVoltage(1), 1);
      case ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L2:
        return round(phaseVoltage(2), 1);
      case ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L3:
        return round(phaseVoltage(3), 1);
      case ObisCode.INSTANTANEOUS_POWER_FACTOR:
        return round(0.9 + 0.09 * noise(4), 3);
      case ObisCode.FREQUENCY:
        return round(50 + 0.1 * (noise(5) - 0.5), 3);
      default:
        throw new RangeError(`no simulation for OBIS code #${tag}`);
    }
  }

  /** Mean household load in kW: a daily cosine peaking in the evening. */
  private meanLoad(atMs: number): number {
    const hours = atMs / hourMs;
    return (
      this.meanLoadKw + this.loadSwingKw * Math.cos(2 * Math.PI * (hours / 24 - this.peakFraction))
    );
  }

  /** The integral of meanLoad from the epoch, in kWh. */
  private loadEnergy(atMs: number): number {
    const hours = atMs / hourMs;
    return (
      this.meanLoadKw * hours +
      ((this.loadSwingKw * 24) / (2 * Math.PI)) *
        Math.sin(2 * Math.PI * (hours / 24 - this.peakFraction))
    );
  }

  /** Solar production in kW: a half sine from 06:00 to 18:00 UTC. */
  private solar(atMs: number): number {
    const hourOfDay = (atMs - Math.floor(atMs / dayMs) * dayMs) / hourMs;
    if (hourOfDay < 6 || hourOfDay >= 18) return 0;
    return this.pvPeakKw * Math.sin((Math.PI * (hourOfDay - 6)) / 12);
  }

  /** The integral of solar from the epoch, in kWh. */
  private solarEnergy(atMs: number): number {
    const days = Math.floor(atMs / dayMs);
    const hourOfDay = (atMs - days * dayMs) / hourMs;
    const perDay = (this.pvPeakKw * 24) / Math.PI;
    const today =
      hourOfDay < 6
        ? 0
        : hourOfDay >= 18
          ? perDay
          : ((this.pvPeakKw * 12) / Math.PI) * (1 - Math.cos((Math.PI * (hourOfDay - 6)) / 12));
    return days * perDay + today;
  }

  /** A number in [0, 1) fixed by the meter's seed and `salt`. */
  private unit(salt: number): number {
    return mix(this.hash ^ mix(salt)) / 4_294_967_296;
  }

  /** A number in [0, 1) fixed by the seed, `salt` and sample `k`. */
  private noise(salt: number, k: number): number {
    const high = Math.floor(k / 4_294_967_296);
    return mix(this.hash ^ mix(salt ^ mix(k >>> 0) ^ mix(high + 0x9e3779b9))) / 4_294_967_296;
  }
}

/** A 32-bit integer mixer (lowbias32): small inputs spread over all bits. */
function mix(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over a string's UTF-16 code units. */
export function stringHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
