import { describe, expect, it } from "vitest";
import { parsePairingQr } from "./pairing-qr.js";

describe("pairing QR code", () => {
  it("reads the instance ID and the code", () => {
    expect(parsePairingQr("aiida:6f1c2e0a-1b2c-4d5e-8f90-a1b2c3d4e5f6:482913")).toEqual({
      instanceId: "6f1c2e0a-1b2c-4d5e-8f90-a1b2c3d4e5f6",
      pairingCode: "482913",
    });
    expect(parsePairingQr("  AIIDA:abc:K7Q-2M9 \n")).toEqual({
      instanceId: "abc",
      pairingCode: "K7Q-2M9",
    });
  });

  it("refuses anything else, so a random QR code fills in nothing", () => {
    for (const text of ["https://example.com", "aiida:abc", "aiida::123", "aiida:a:b:c", ""]) {
      expect(parsePairingQr(text)).toBeUndefined();
    }
  });
});
