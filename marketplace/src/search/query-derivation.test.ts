import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Asset, DataRequestSchema, ObisCode } from "@eddie-marketplace/gen";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../api/errors.js";
import { addPeriod, deriveQuery, historyStart, maxSamplingIntervalMs } from "./query-derivation.js";

const now = new Date("2026-03-15T10:00:00Z");

describe("deriving the query from a data request", () => {
  it("needs a sample at least as often as the schedule transmits", () => {
    expect(maxSamplingIntervalMs("0 */15 * * * *", now)).toBe(15 * 60_000);
    expect(maxSamplingIntervalMs("*/10 * * * * *", now)).toBe(10_000);
    expect(maxSamplingIntervalMs("0 0 * * * *", now)).toBe(3_600_000);
    expect(maxSamplingIntervalMs("0 0 6,18 * * *", now)).toBe(12 * 3_600_000);
  });

  it("refuses a schedule that is not cron with a field violation", () => {
    expect(() => maxSamplingIntervalMs("every minute", now)).toThrow(ValidationError);
  });

  it("reads ISO-8601 periods with calendar months and years", () => {
    expect(addPeriod(now, "-P30D")?.toISOString()).toBe("2026-02-13T10:00:00.000Z");
    expect(addPeriod(now, "-P1M")?.toISOString()).toBe("2026-02-15T10:00:00.000Z");
    expect(addPeriod(now, "-P1Y")?.toISOString()).toBe("2025-03-15T10:00:00.000Z");
    expect(addPeriod(now, "-PT12H")?.toISOString()).toBe("2026-03-14T22:00:00.000Z");
    expect(addPeriod(now, "P0D")?.toISOString()).toBe(now.toISOString());
    expect(addPeriod(now, "P")).toBeUndefined();
    expect(addPeriod(now, "30 days")).toBeUndefined();
  });

  const request = (duration: Parameters<typeof create<typeof DataRequestSchema>>[1]) =>
    create(DataRequestSchema, duration);

  it("asks for history back to a negative relative start, and none for a start from approval", () => {
    const back = request({
      dataNeed: { duration: { kind: { case: "relative", value: { start: "-P30D", end: "P1Y" } } } },
    });
    expect(historyStart(back, now)?.toISOString()).toBe("2026-02-13T10:00:00.000Z");
    const forward = request({
      dataNeed: { duration: { kind: { case: "relative", value: { start: "P0D", end: "P10D" } } } },
    });
    expect(historyStart(forward, now)).toBeUndefined();
  });

  it("asks for history back to an absolute start in the past, and none for one in the future", () => {
    const past = new Date("2025-01-01T00:00:00Z");
    const absolute = (start: Date) =>
      request({
        dataNeed: {
          duration: {
            kind: {
              case: "absolute",
              value: {
                start: timestampFromDate(start),
                end: timestampFromDate(new Date("2027-01-01")),
              },
            },
          },
        },
      });
    expect(historyStart(absolute(past), now)?.toISOString()).toBe(past.toISOString());
    expect(historyStart(absolute(new Date("2026-06-01T00:00:00Z")), now)).toBeUndefined();
  });

  it("carries the asset, countries and data tags as asked, and the deadline", () => {
    const deadline = new Date(now.getTime() + 5000);
    const query = deriveQuery(
      request({
        countries: ["AT", "NL"],
        dataNeed: {
          asset: Asset.CONNECTION_AGREEMENT_POINT,
          dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY, ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L1],
          transmissionSchedule: "0 */15 * * * *",
          duration: { kind: { case: "relative", value: { start: "-P7D", end: "P30D" } } },
        },
      }),
      { queryId: "q1", now, deadline },
    );
    expect(query).toMatchObject({
      queryId: "q1",
      asset: Asset.CONNECTION_AGREEMENT_POINT,
      countries: ["AT", "NL"],
      dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY, ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L1],
    });
    expect(Number(query.maxSamplingInterval?.seconds)).toBe(900);
    expect(query.historyStart && timestampDate(query.historyStart).toISOString()).toBe(
      "2026-03-08T10:00:00.000Z",
    );
    expect(query.deadline && timestampDate(query.deadline).getTime()).toBe(deadline.getTime());
  });
});
