import { describe, expect, it } from "vitest";
import { LoginThrottle } from "./login-throttle.js";

describe("login throttle", () => {
  it("refuses an address after repeated failures until the window passes", () => {
    let now = 0;
    const t = new LoginThrottle({ maxFailures: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(t.retryAfterMs("A@x.test")).toBe(0);
      t.failed("a@x.test ");
      now += 1000;
    }
    expect(t.retryAfterMs("a@x.test")).toBe(57_000);
    expect(t.retryAfterMs("b@x.test")).toBe(0);
    now = 60_001;
    expect(t.retryAfterMs("a@x.test")).toBe(0);
  });

  it("forgets failures after a successful login", () => {
    const t = new LoginThrottle({ maxFailures: 2, windowMs: 60_000 });
    t.failed("a@x.test");
    t.succeeded("a@x.test");
    t.failed("a@x.test");
    expect(t.retryAfterMs("a@x.test")).toBe(0);
  });
});
