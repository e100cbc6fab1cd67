import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "./password-hash.js";

describe("password hashing", () => {
  it("verifies the right password only, with a fresh salt each time", async () => {
    const a = await hashPassword("Träumerei-2026");
    const b = await hashPassword("Träumerei-2026");
    expect(a).not.toBe(b);
    expect(await verifyPassword("Träumerei-2026", a)).toBe(true);
    expect(await verifyPassword("Träumerei-2027", a)).toBe(false);
    // The same text in another Unicode form is the same password.
    expect(await verifyPassword("Tra\u0308umerei-2026", a)).toBe(true);
  });

  it("refuses stored values it does not understand", async () => {
    expect(await verifyPassword("x", "plain-text")).toBe(false);
    expect(await verifyPassword("x", "bcrypt$1$2$3$4$5")).toBe(false);
  });
});
