import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type DataRequest, type Query, QuerySchema } from "@eddie-marketplace/gen";
import { Cron } from "croner";
import { ValidationError } from "../api/errors.js";

/** Runs of the schedule looked at to find its shortest gap. */
const scheduleSample = 64;

/**
 * How often a source must sample for data sent on `schedule` (a cron
 * expression with seconds, as AIIDA schedules it): the shortest gap between
 * two consecutive runs. "0 *\/15 * * * *" needs a sample at least every 15
 * minutes. Evaluated in UTC so the answer doesn't depend on the server's zone.
 */
export function maxSamplingIntervalMs(schedule: string, from: Date = new Date()): number {
  const key = `${schedule}\u0000${Math.floor(from.getTime() / 86_400_000)}`;
  const known = intervals.get(key);
  if (known !== undefined) return known;
  const interval = shortestGapMs(schedule, from);
  if (intervals.size >= 1_000) intervals.clear();
  intervals.set(key, interval);
  return interval;
}

// Searches repeat with the same few schedules; walking a schedule is the
// costliest part of deriving a query, so its answer is kept for the day.
const intervals = new Map<string, number>();

function shortestGapMs(schedule: string, from: Date): number {
  let runs: Date[];
  try {
    runs = new Cron(schedule, { timezone: "Etc/UTC" }).nextRuns(scheduleSample, from);
  } catch (err) {
    throw new ValidationError([
      {
        field: "data_need.transmission_schedule",
        description: `not a cron expression: ${(err as Error).message}`,
      },
    ]);
  }
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < runs.length; i++) {
    const gap = (runs[i]?.getTime() ?? 0) - (runs[i - 1]?.getTime() ?? 0);
    if (gap > 0 && gap < shortest) shortest = gap;
  }
  return Number.isFinite(shortest) ? shortest : 24 * 3_600_000;
}

const periodPattern =
  /^([+-])?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * Adds an ISO-8601 period such as "-P30D", "P1Y" or "-PT12H" to `at`, with
 * calendar arithmetic in UTC for years and months. Undefined when `period`
 * is not a period.
 */
export function addPeriod(at: Date, period: string): Date | undefined {
  const m = periodPattern.exec(period.trim());
  if (m === null || period.trim().replace(/^[+-]/, "") === "P" || period.trim().endsWith("T")) {
    return undefined;
  }
  const sign = m[1] === "-" ? -1 : 1;
  const n = (i: number) => sign * Number(m[i] ?? 0);
  const d = new Date(at.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + n(2), d.getUTCMonth() + n(3));
  d.setUTCDate(d.getUTCDate() + 7 * n(4) + n(5));
  return new Date(d.getTime() + ((n(6) * 60 + n(7)) * 60 + n(8)) * 1000);
}

/**
 * The instant from which a source must hold data for `request`: a relative
 * start before approval ("-P30D") counts back from `now`; an absolute start in
 * the past is itself. Undefined when the request needs no history.
 */
export function historyStart(request: DataRequest, now: Date): Date | undefined {
  const duration = request.dataNeed?.duration?.kind;
  if (duration?.case === "relative") {
    const start = addPeriod(now, duration.value.start);
    if (start === undefined) {
      throw new ValidationError([
        {
          field: "data_need.duration.relative.start",
          description: `not an ISO-8601 period: "${duration.value.start}"`,
        },
      ]);
    }
    return start < now ? start : undefined;
  }
  if (duration?.case === "absolute" && duration.value.start !== undefined) {
    const ms =
      Number(duration.value.start.seconds) * 1000 + Math.floor(duration.value.start.nanos / 1e6);
    return ms < now.getTime() ? new Date(ms) : undefined;
  }
  return undefined;
}

/**
 * The query an AIIDA instance evaluates for `request`: the asset, countries
 * and data tags as asked, the sampling interval the transmission schedule
 * needs, and the history start the duration needs.
 *
 * @example
 * const query = deriveQuery(request, { queryId, now, deadline });
 */
export function deriveQuery(
  request: DataRequest,
  at: { queryId: string; now: Date; deadline: Date },
): Query {
  const need = request.dataNeed;
  const start = historyStart(request, at.now);
  return create(QuerySchema, {
    queryId: at.queryId,
    asset: need?.asset,
    countries: [...request.countries],
    dataTags: [...(need?.dataTags ?? [])],
    maxSamplingInterval: durationFromMs(
      maxSamplingIntervalMs(need?.transmissionSchedule ?? "", at.now),
    ),
    historyStart: start === undefined ? undefined : timestampFromDate(start),
    deadline: timestampFromDate(at.deadline),
  });
}
