// Dates as the Marketplace sends them (protobuf Timestamps) shown to people.

/** A protobuf Timestamp's shape. */
export interface TimestampLike {
  seconds: bigint;
  nanos: number;
}

/** The Timestamp as a Date; undefined when unset. */
export function toDate(ts: TimestampLike | undefined): Date | undefined {
  if (!ts) return undefined;
  return new Date(Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6));
}

const dateFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
});
const dateTimeFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
});
const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** "3 Mar 2026"; "" when unset. */
export function formatDate(ts: TimestampLike | undefined): string {
  const d = toDate(ts);
  return d ? dateFormat.format(d) : "";
}

/** "3 Mar, 14:05"; "" when unset. */
export function formatDateTime(ts: TimestampLike | undefined): string {
  const d = toDate(ts);
  return d ? dateTimeFormat.format(d) : "";
}

/** "5 minutes ago", "yesterday"; "" when unset. */
export function formatAgo(ts: TimestampLike | undefined, now = Date.now()): string {
  const d = toDate(ts);
  if (!d) return "";
  const seconds = Math.round((d.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return "just now";
  if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return relative.format(Math.round(seconds / 3600), "hour");
  if (abs < 86400 * 30) return relative.format(Math.round(seconds / 86400), "day");
  return dateFormat.format(d);
}
