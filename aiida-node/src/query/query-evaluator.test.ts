import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Asset, ObisCode, QuerySchema } from "@eddie-marketplace/gen";
import { describe, expect, it } from "vitest";
import { dataSourcesOf, sourceProfile } from "../sources/source-profiles.js";
import { evaluateQuery, findMatchingSource } from "./query-evaluator.js";

// nl-pv: "p1" at the connection point (NL, 10 s, 90 days before 2026-01-01,
// import/export energy and power, voltages and currents per phase) and
// "pv-inverter" as a submeter (export only, 60 s, 30 days).
const nl = dataSourcesOf(sourceProfile("nl-pv"));
// de-heatpump: "garage" is a switched-off dedicated measurement device.
const de = dataSourcesOf(sourceProfile("de-heatpump"));

function query(init: MessageInitShape<typeof QuerySchema> = {}) {
  return create(QuerySchema, {
    queryId: "q",
    asset: Asset.CONNECTION_AGREEMENT_POINT,
    countries: ["NL"],
    dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY, ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L3],
    maxSamplingInterval: durationFromMs(15 * 60_000),
    historyStart: timestampFromDate(new Date("2025-11-01T00:00:00Z")),
    ...init,
  });
}

describe("evaluateQuery", () => {
  it("matches when one enabled source covers everything asked", () => {
    expect(evaluateQuery(query(), nl)).toBe(true);
    expect(findMatchingSource(query(), nl)?.id).toBe("p1");
  });

  it("matches any country when none is asked, and compares countries case-blind", () => {
    expect(evaluateQuery(query({ countries: [] }), nl)).toBe(true);
    expect(evaluateQuery(query({ countries: ["at", "nl"] }), nl)).toBe(true);
  });

  it("does not match a missing data tag", () => {
    expect(evaluateQuery(query({ dataTags: [ObisCode.FREQUENCY] }), nl)).toBe(false);
  });

  it("does not combine two sources to cover the tags", () => {
    // Voltage is at p1 only, frequency at no NL source: never a match.
    const tags = [ObisCode.NEGATIVE_ACTIVE_ENERGY, ObisCode.FREQUENCY];
    expect(evaluateQuery(query({ dataTags: tags, countries: [] }), [...nl, ...de])).toBe(false);
  });

  it("does not match the wrong country", () => {
    expect(evaluateQuery(query({ countries: ["AT", "DE"] }), nl)).toBe(false);
  });

  it("does not match the wrong asset", () => {
    expect(evaluateQuery(query({ asset: Asset.CONTROLLABLE_UNIT }), nl)).toBe(false);
    const submeter = query({
      asset: Asset.SUBMETER,
      dataTags: [ObisCode.NEGATIVE_ACTIVE_ENERGY],
      historyStart: undefined,
    });
    expect(findMatchingSource(submeter, nl)?.id).toBe("pv-inverter");
  });

  it("never matches a switched-off source", () => {
    const garage = query({
      asset: Asset.DEDICATED_MEASUREMENT_DEVICE,
      countries: ["DE"],
      dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY],
    });
    expect(evaluateQuery(garage, de)).toBe(false);
    const switchedOn = de.map((s) => (s.id === "garage" ? { ...s, enabled: true } : s));
    expect(evaluateQuery(garage, switchedOn)).toBe(true);
  });

  it("does not match a source sampling less often than asked", () => {
    expect(evaluateQuery(query({ maxSamplingInterval: durationFromMs(10_000) }), nl)).toBe(true);
    expect(evaluateQuery(query({ maxSamplingInterval: durationFromMs(5_000) }), nl)).toBe(false);
    expect(evaluateQuery(query({ maxSamplingInterval: undefined }), nl)).toBe(true);
  });

  it("does not match when the history asked for starts before the data", () => {
    const start = (iso: string) => query({ historyStart: timestampFromDate(new Date(iso)) });
    expect(evaluateQuery(start("2025-10-03T00:00:00Z"), nl)).toBe(true);
    expect(evaluateQuery(start("2025-10-02T23:59:59Z"), nl)).toBe(false);
    expect(evaluateQuery(query({ historyStart: undefined }), nl)).toBe(true);
  });

  it("never matches a query without an asset or data tags", () => {
    expect(evaluateQuery(query({ asset: Asset.UNSPECIFIED }), nl)).toBe(false);
    expect(evaluateQuery(query({ dataTags: [] }), nl)).toBe(false);
    expect(evaluateQuery(query({ dataTags: [ObisCode.UNSPECIFIED] }), nl)).toBe(false);
  });
});
