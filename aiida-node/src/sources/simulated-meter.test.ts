import { timestampMs } from "@bufbuild/protobuf/wkt";
import { ObisCode } from "@eddie-marketplace/gen";
import { describe, expect, it } from "vitest";
import { InstanceSources } from "./instance-sources.js";
import { SimulatedMeter } from "./simulated-meter.js";
import { dataSourcesOf, HISTORY_ANCHOR, sourceProfile } from "./source-profiles.js";

const [p1] = dataSourcesOf(sourceProfile("nl-pv"));
if (!p1) throw new Error("nl-pv has a P1 source");
const day = new Date("2025-12-15T00:00:00Z");
const nextDay = new Date("2025-12-16T00:00:00Z");
const allTags = [...p1.dataTags];

function values(meter: SimulatedMeter, tags = allTags, from = day, to = nextDay) {
  return meter.readRecords(tags, from, to).map((r) => r.value);
}

describe("SimulatedMeter", () => {
  it("yields the same values for the same seed, and other values for another seed", () => {
    const a = values(new SimulatedMeter(p1, 7));
    const b = values(new SimulatedMeter(p1, 7));
    const c = values(new SimulatedMeter(p1, 8));
    expect(a).toEqual(b);
    expect(a.length).toBe(8640 * allTags.length);
    expect(c).not.toEqual(a);
  });

  it("samples on its grid, each record carrying the tag, time and source", () => {
    const records = new SimulatedMeter(p1, 1).readRecords(
      [ObisCode.POSITIVE_ACTIVE_ENERGY],
      new Date(day.getTime() + 1),
      new Date(day.getTime() + 30_001),
    );
    expect(records.map((r) => r.measuredAt && timestampMs(r.measuredAt))).toEqual([
      day.getTime() + 10_000,
      day.getTime() + 20_000,
      day.getTime() + 30_000,
    ]);
    expect(records[0]?.dataTag).toBe(ObisCode.POSITIVE_ACTIVE_ENERGY);
    expect(records[0]?.dataSourceId).toBe("p1");
  });

  it("keeps energy counters rising and values in a meter's ranges", () => {
    const meter = new SimulatedMeter(p1, 3);
    const imported = values(meter, [ObisCode.POSITIVE_ACTIVE_ENERGY]);
    const exported = values(meter, [ObisCode.NEGATIVE_ACTIVE_ENERGY]);
    for (const series of [imported, exported]) {
      for (let i = 1; i < series.length; i++) {
        expect(series[i]).toBeGreaterThanOrEqual(series[i - 1] ?? 0);
      }
    }
    const dayImport = (imported.at(-1) ?? 0) - (imported[0] ?? 0);
    expect(dayImport).toBeGreaterThan(3);
    expect(dayImport).toBeLessThan(30);
    const volts = values(meter, [ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L2]);
    expect(Math.min(...volts)).toBeGreaterThanOrEqual(227);
    expect(Math.max(...volts)).toBeLessThanOrEqual(233);
    const export_kw = values(meter, [ObisCode.NEGATIVE_ACTIVE_INSTANTANEOUS_POWER]);
    expect(Math.max(...export_kw)).toBeGreaterThan(0);
  });

  it("holds nothing before its history start", () => {
    const meter = new SimulatedMeter(p1, 1);
    expect(meter.historyStart.getTime()).toBe(HISTORY_ANCHOR.getTime() - 90 * 86_400_000);
    const before = new Date(meter.historyStart.getTime() - 60_000);
    expect(
      meter.readRecords([ObisCode.POSITIVE_ACTIVE_ENERGY], before, meter.historyStart),
    ).toEqual([]);
    const first = meter.readRecords(
      [ObisCode.POSITIVE_ACTIVE_ENERGY],
      before,
      new Date(meter.historyStart.getTime() + 1),
    );
    expect(first.map((r) => r.measuredAt && timestampMs(r.measuredAt))).toEqual([
      meter.historyStart.getTime(),
    ]);
  });

  it("refuses codes the source does not yield, reversed ranges and oversized reads", () => {
    const meter = new SimulatedMeter(p1, 1);
    expect(() => meter.readRecords([ObisCode.FREQUENCY], day, nextDay)).toThrow(
      /does not yield 1-0:14.7.0/,
    );
    expect(() => meter.readRecords(allTags, nextDay, day)).toThrow(RangeError);
    expect(() => meter.readRecords(allTags, day, nextDay, { maxRecords: 1000 })).toThrow(
      /read it in parts/,
    );
  });
});

describe("InstanceSources", () => {
  it("reads a source's records deterministically and refuses switched-off sources", () => {
    const sources = InstanceSources.fromProfile(sourceProfile("de-heatpump"), 5);
    const again = InstanceSources.fromProfile(sourceProfile("de-heatpump"), 5);
    const read = (s: InstanceSources) =>
      s.readRecords("heat-pump", [ObisCode.POSITIVE_ACTIVE_INSTANTANEOUS_POWER], day, nextDay);
    expect(read(sources)).toEqual(read(again));
    expect(() =>
      sources.readRecords("garage", [ObisCode.POSITIVE_ACTIVE_ENERGY], day, nextDay),
    ).toThrow(/switched off/);
    expect(() =>
      sources.readRecords("attic", [ObisCode.POSITIVE_ACTIVE_ENERGY], day, nextDay),
    ).toThrow(/no data source "attic"/);
  });

  it("places a profile in another country when asked", () => {
    const sources = InstanceSources.fromProfile(sourceProfile("fr-linky"), 1, "BE");
    expect(sources.dataSources.map((s) => s.country)).toEqual(["BE"]);
  });
});
