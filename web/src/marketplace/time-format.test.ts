import { describe, expect, it } from "vitest";
import { fromDate, readPeriod, toDate } from "./time-format.js";

describe("readPeriod", () => {
  it("reads AIIDA's relative durations in words", () => {
    expect(readPeriod("P0D")).toBe("the moment of approval");
    expect(readPeriod("P10D")).toBe("10 days after approval");
    expect(readPeriod("-P30D")).toBe("30 days before approval");
    expect(readPeriod("P1Y2M")).toBe("1 year 2 months after approval");
  });

  it("answers undefined for anything that is not an ISO-8601 period", () => {
    expect(readPeriod("P")).toBeUndefined();
    expect(readPeriod("10 days")).toBeUndefined();
    expect(readPeriod("PT5M")).toBeUndefined();
  });
});

describe("timestamps", () => {
  it("turn into dates and back without losing milliseconds", () => {
    const d = new Date("2026-03-12T14:05:06.789Z");
    expect(toDate(fromDate(d))?.toISOString()).toBe(d.toISOString());
    expect(toDate(undefined)).toBeUndefined();
  });
});
