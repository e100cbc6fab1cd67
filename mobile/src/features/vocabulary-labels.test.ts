import { ObisCode, PermissionState } from "@eddie-marketplace/sdk";
import { describe, expect, it } from "vitest";
import {
  allObis,
  countryName,
  obisCode,
  obisLabel,
  permissionStateInfo,
  revocableStates,
} from "./vocabulary-labels.js";

describe("vocabulary labels", () => {
  it("names OBIS codes with their units from the contracts", () => {
    expect(obisLabel(ObisCode.POSITIVE_ACTIVE_ENERGY)).toBe("Energy import (kWh)");
    expect(obisCode(ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L1)).toBe("1-0:32.7.0");
    expect(obisLabel(ObisCode.INSTANTANEOUS_POWER_FACTOR)).toBe("Power factor");
    expect(obisLabel(999 as ObisCode)).toBe("Measurement 999");
    expect(allObis.length).toBeGreaterThanOrEqual(16);
  });

  it("labels every permission state and lets only live ones be revoked", () => {
    for (const state of Object.values(PermissionState)) {
      if (typeof state !== "number" || state === PermissionState.UNSPECIFIED) continue;
      expect(permissionStateInfo.get(state)?.label).toBeTruthy();
    }
    expect([...revocableStates].sort()).toEqual(
      [PermissionState.APPROVED, PermissionState.CONFIGURING, PermissionState.ACTIVE].sort(),
    );
  });

  it("names countries", () => {
    expect(countryName("AT")).toBe("Austria");
    expect(countryName("nl")).toBe("Netherlands");
  });
});
