import { ObisCode } from "@eddie-marketplace/gen";
import { describe, expect, it } from "vitest";
import { describeObis } from "./obis-vocabulary.js";

describe("describeObis", () => {
  it("reads codes, names and units from the vocabulary contract", () => {
    expect(describeObis(ObisCode.POSITIVE_ACTIVE_ENERGY)).toEqual({
      code: "1-0:1.8.0",
      name: "Energy import",
      unit: "kWh",
    });
    expect(describeObis(ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L1)?.code).toBe("1-0:32.7.0");
    expect(describeObis(ObisCode.UNSPECIFIED)).toBeUndefined();
  });
});
