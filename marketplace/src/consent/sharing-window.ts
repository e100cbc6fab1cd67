import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { DataNeedDuration } from "@eddie-marketplace/gen";

/** The instants data is shared between, fixed at approval. */
export interface SharingWindow {
  readonly start: Date;
  readonly end: Date;
}

const period =
  /^([+-])?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/**
 * Fixes a data need's duration at the moment of approval: a relative duration
 * ("-P30D" to "P1Y") counts from `approvedAt`, an absolute one is taken as is.
 * Returns undefined when the duration can't be read.
 */
export function sharingWindow(
  duration: DataNeedDuration | undefined,
  approvedAt: Date,
): SharingWindow | undefined {
  const kind = duration?.kind;
  if (kind?.case === "absolute") {
    const { start, end } = kind.value;
    if (start === undefined || end === undefined) return undefined;
    return { start: timestampDate(start), end: timestampDate(end) };
  }
  if (kind?.case === "relative") {
    const start = addPeriod(approvedAt, kind.value.start);
    const end = addPeriod(approvedAt, kind.value.end);
    if (start === undefined || end === undefined || end < start) return undefined;
    return { start, end };
  }
  return undefined;
}

/** `at` moved by an ISO-8601 period such as "P10D", "-P1M" or "PT15M", in UTC. */
export function addPeriod(at: Date, text: string): Date | undefined {
  const m = period.exec(text);
  if (m === null || text === "P" || text.endsWith("T")) return undefined;
  const sign = m[1] === "-" ? -1 : 1;
  const n = (i: number) => sign * Number(m[i] ?? 0);
  const d = new Date(at.getTime());
  d.setUTCFullYear(
    d.getUTCFullYear() + n(2),
    d.getUTCMonth() + n(3),
    d.getUTCDate() + 7 * n(4) + n(5),
  );
  d.setUTCHours(d.getUTCHours() + n(6), d.getUTCMinutes() + n(7), d.getUTCSeconds() + n(8));
  return d;
}
