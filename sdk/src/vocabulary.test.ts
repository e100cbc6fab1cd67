import { Asset, DataSourceType, ObisCode, ObisCodeSchema, Schema } from "@eddie-marketplace/gen";
import { describe, expect, it } from "vitest";
import {
  assetName,
  assetValues,
  dataSourceTypeName,
  describeObis,
  obisCodes,
  parseAsset,
  parseDataSourceType,
  parseObis,
  parseSchema,
  schemaName,
  schemaValues,
  tryDescribeObis,
  tryParseObis,
} from "./vocabulary.js";

describe("the AIIDA vocabulary, read from the contracts", () => {
  it("describes an OBIS code with its code, name and unit", () => {
    expect(describeObis(ObisCode.POSITIVE_ACTIVE_ENERGY)).toEqual({
      value: ObisCode.POSITIVE_ACTIVE_ENERGY,
      code: "1-0:1.8.0",
      name: "Energy import",
      unit: "kWh",
    });
    expect(describeObis(ObisCode.INSTANTANEOUS_POWER_FACTOR).unit).toBe("");
  });

  it("knows every OBIS value of the contracts but UNSPECIFIED, each code once", () => {
    const defined = ObisCodeSchema.values.filter((v) => v.number !== 0).map((v) => v.number);
    expect(obisCodes.map((o) => o.value)).toEqual(defined);
    expect(new Set(obisCodes.map((o) => o.code)).size).toBe(obisCodes.length);
  });

  it("parses codes as meters print them and round-trips every one", () => {
    expect(parseObis("1-0:32.7.0")).toBe(ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L1);
    expect(parseObis(" 1-0:2.8.0*255 ")).toBe(ObisCode.NEGATIVE_ACTIVE_ENERGY);
    for (const o of obisCodes) expect(parseObis(o.code)).toBe(o.value);
  });

  it("refuses unknown codes and values with a RangeError naming them", () => {
    expect(() => parseObis("1-0:99.9.9")).toThrow(/"1-0:99.9.9" is not a known OBIS code/);
    expect(tryParseObis("nonsense")).toBeUndefined();
    expect(() => describeObis(ObisCode.UNSPECIFIED)).toThrow(RangeError);
    expect(tryDescribeObis(ObisCode.UNSPECIFIED)).toBeUndefined();
    expect(tryDescribeObis(9_999 as ObisCode)).toBeUndefined();
    expect(tryDescribeObis(ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L1)?.code).toBe("1-0:32.7.0");
  });

  it("names schemas, assets and data source types as AIIDA does, both ways", () => {
    expect(schemaName(Schema.SMART_METER_P1_CIM_V1_12)).toBe("SMART-METER-P1-CIM-V1-12");
    expect(parseSchema("SMART-METER-P1-RAW")).toBe(Schema.SMART_METER_P1_RAW);
    expect(assetName(Asset.CONNECTION_AGREEMENT_POINT)).toBe("CONNECTION-AGREEMENT-POINT");
    expect(parseAsset("SUBMETER")).toBe(Asset.SUBMETER);
    expect(dataSourceTypeName(DataSourceType.SMART_METER_ADAPTER)).toBe("SMART_METER_ADAPTER");
    expect(parseDataSourceType("SHELLY")).toBe(DataSourceType.SHELLY);
    expect(schemaValues).toHaveLength(3);
    expect(assetValues).toEqual([1, 2, 3, 4]);
    expect(() => parseAsset("GARAGE")).toThrow(/"GARAGE" is not a known asset/);
    expect(() => schemaName(Schema.UNSPECIFIED)).toThrow(RangeError);
  });
});
