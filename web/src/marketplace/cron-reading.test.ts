import { describe, expect, it } from "vitest";
import { readCron } from "./cron-reading.js";

describe("readCron", () => {
  it("reads AIIDA's six-field schedules in words", () => {
    expect(readCron("0 */15 * * * *")).toEqual({ ok: true, text: "Every 15 minutes" });
    expect(readCron("0 0 0 * * *").text).toMatch(/00:00/);
  });

  it("explains what is wrong instead of reading a bad schedule", () => {
    expect(readCron("")).toEqual({ ok: false, text: "Enter a schedule." });
    expect(readCron("*/15 * * * *").text).toContain("six fields");
    expect(readCron("0 99 * * * *").ok).toBe(false);
  });
});
