import { describe, expect, it } from "vitest";
import { explainError, isNetworkError, isSignedOutError } from "./error-message.js";

/** A thrown value shaped like a ConnectError. */
function connectError(code: number, rawMessage = ""): { code: number; rawMessage: string } {
  return { code, rawMessage };
}

describe("errors in plain words", () => {
  it("passes the Marketplace's own sentence on for bad input and refused steps", () => {
    expect(explainError(connectError(3, "the pairing code has expired"), "add it")).toBe(
      "the pairing code has expired",
    );
    expect(explainError(connectError(9, "the permission was already revoked"), "revoke")).toBe(
      "the permission was already revoked",
    );
  });

  it("says what to do for locks, expiry and missing features", () => {
    expect(explainError(connectError(8), "add this instance")).toMatch(
      /^Too many tries\. Wait a few minutes before you add this instance again\./,
    );
    expect(explainError(connectError(16), "load")).toBe(
      "Your sign-in has expired. Please log in again.",
    );
    expect(explainError(connectError(12), "load your inbox")).toBe(
      "The Marketplace can't load your inbox yet.",
    );
  });

  it("tells a network failure apart from a refusal", () => {
    expect(isNetworkError(connectError(14))).toBe(true);
    expect(isNetworkError(new TypeError("Failed to fetch"))).toBe(true);
    expect(isNetworkError(connectError(3))).toBe(false);
    expect(explainError(connectError(14), "load your instances")).toMatch(/^You're offline/);
    expect(isSignedOutError(connectError(16))).toBe(true);
  });
});
