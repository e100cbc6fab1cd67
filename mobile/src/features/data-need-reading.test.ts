import { describe, expect, it } from "vitest";
import {
  describeAbsoluteDuration,
  describeRelativeDuration,
  describeSchedule,
  parsePeriod,
} from "./data-need-reading.js";

describe("data need in plain words", () => {
  it("reads relative durations the way AIIDA writes them", () => {
    expect(describeRelativeDuration("P0D", "P10D")).toBe(
      "From the day you approve until 10 days after you approve",
    );
    expect(describeRelativeDuration("-P30D", "P1Y")).toBe(
      "From 30 days before you approve until 1 year after you approve",
    );
    expect(describeRelativeDuration("-P1M", "P1Y2M")).toBe(
      "From 1 month before you approve until 1 year and 2 months after you approve",
    );
  });

  it("keeps an unreadable period visible instead of hiding it", () => {
    expect(parsePeriod("P")).toBeUndefined();
    expect(parsePeriod("soon")).toBeUndefined();
    expect(describeRelativeDuration("soon", "P1D")).toContain("soon");
  });

  it("reads fixed dates", () => {
    expect(
      describeAbsoluteDuration(new Date("2026-03-01T00:00:00Z"), new Date("2027-03-31T00:00:00Z")),
    ).toBe("From 1 March 2026 to 31 March 2027");
  });

  it("reads cron schedules with seconds", () => {
    expect(describeSchedule("0 */15 * * * *")).toBe("Every 15 minutes");
    expect(describeSchedule("0 0 * * * *")).toBe("Every hour");
    expect(describeSchedule("not a cron")).toBe('On the schedule "not a cron"');
  });
});
