/** A protobuf Timestamp as it arrives in messages. */
export interface TimestampLike {
  readonly seconds: bigint;
  readonly nanos: number;
}

/** The Date of a Timestamp; undefined when unset. */
export function toDate(ts: TimestampLike | undefined): Date | undefined {
  if (!ts) return undefined;
  return new Date(Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6));
}

/** A Timestamp for a Date, as a message init. */
export function fromDate(d: Date): { seconds: bigint; nanos: number } {
  const ms = d.getTime();
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** "12 Mar 2026, 14:05", or "—" when unset. */
export function formatDateTime(ts: TimestampLike | undefined): string {
  const d = toDate(ts);
  return d ? dateTime.format(d) : "—";
}

/** "12 Mar 2026", or "—" when unset. */
export function formatDate(ts: TimestampLike | undefined): string {
  const d = toDate(ts);
  return d ? dateOnly.format(d) : "—";
}

/** "yyyy-mm-dd" (UTC) for a date input. */
export function toDateInput(ts: TimestampLike | undefined): string {
  const d = toDate(ts);
  return d ? d.toISOString().slice(0, 10) : "";
}

/**
 * Reads an ISO-8601 period as AIIDA writes durations ("P0D", "-P30D", "P1Y2M")
 * in words; undefined when it is not one.
 */
export function readPeriod(period: string): string | undefined {
  const m = /^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/.exec(period.trim());
  if (!m || period.trim() === "P" || period.trim() === "-P") return undefined;
  const parts: string[] = [];
  const add = (n: string | undefined, unit: string) => {
    if (n === undefined) return;
    const k = Number(n);
    parts.push(`${k} ${unit}${k === 1 ? "" : "s"}`);
  };
  add(m[2], "year");
  add(m[3], "month");
  add(m[4], "week");
  add(m[5], "day");
  const total = parts.filter((p) => !p.startsWith("0 "));
  if (total.length === 0) return "the moment of approval";
  return `${total.join(" ")} ${m[1] ? "before" : "after"} approval`;
}
