import { Asset, ObisCode, Schema, ServiceCategory } from "@eddie-marketplace/gen";
import { tryParseObis } from "@eddie-marketplace/sdk/vocabulary";
import { describe, expect, it } from "vitest";
import { countryCodes, isCountryCode } from "./country-codes.js";
import { parsePeriod } from "./validation.js";
import {
  assetNameOf,
  assetOf,
  categoryNameOf,
  obisCodeOf,
  schemaNameOf,
  schemaOf,
} from "./vocabulary-codes.js";

describe("ISO-8601 periods as AIIDA writes durations", () => {
  it.each([
    ["P0D", 0],
    ["P10D", 10],
    ["-P30D", -30],
    ["+P2W", 14],
    ["P1Y", 365.2425],
  ])("reads %s", (text, days) => {
    expect(parsePeriod(text)).toBeCloseTo(days);
  });

  it("orders mixed units by their length", () => {
    expect(parsePeriod("P1M")! < parsePeriod("P31D")!).toBe(true);
    expect(parsePeriod("P1Y")! > parsePeriod("P12M")! - 0.001).toBe(true);
  });

  it.each(["", "P", "30D", "PT1H", "P1.5D", "P-1D", "p1d", "P1D1Y"])("refuses %j", (text) => {
    expect(parsePeriod(text)).toBeUndefined();
  });
});

describe("the vocabulary as stored", () => {
  it("reads OBIS codes from the contracts' enum options, both ways", () => {
    expect(obisCodeOf(ObisCode.POSITIVE_ACTIVE_ENERGY)).toBe("1-0:1.8.0");
    expect(obisCodeOf(ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L1)).toBe("1-0:32.7.0");
    expect(tryParseObis("1-0:2.8.0")).toBe(ObisCode.NEGATIVE_ACTIVE_ENERGY);
    expect(obisCodeOf(ObisCode.UNSPECIFIED)).toBeUndefined();
    const tags = Object.values(ObisCode).filter((v) => typeof v === "number" && v !== 0);
    for (const tag of tags) expect(tryParseObis(obisCodeOf(tag as ObisCode) ?? "")).toBe(tag);
  });

  it("uses AIIDA's names for schemas and assets", () => {
    expect(schemaNameOf(Schema.SMART_METER_P1_CIM_V1_12)).toBe("SMART-METER-P1-CIM-V1-12");
    expect(schemaOf("SMART-METER-P1-RAW")).toBe(Schema.SMART_METER_P1_RAW);
    expect(assetNameOf(Asset.CONNECTION_AGREEMENT_POINT)).toBe("CONNECTION-AGREEMENT-POINT");
    expect(assetOf("SUBMETER")).toBe(Asset.SUBMETER);
    expect(categoryNameOf(ServiceCategory.FLEXIBILITY)).toBe("FLEXIBILITY");
    expect(categoryNameOf(ServiceCategory.UNSPECIFIED)).toBeUndefined();
  });
});

describe("country codes", () => {
  it("knows every officially assigned ISO 3166-1 alpha-2 code and nothing else", () => {
    expect(countryCodes.size).toBe(249);
    for (const code of ["AT", "DE", "NL", "GB", "GR", "FI"]) {
      expect(isCountryCode(code)).toBe(true);
    }
    for (const code of ["UK", "EL", "EU", "XK", "at", "AUT", ""]) {
      expect(isCountryCode(code)).toBe(false);
    }
  });
});
