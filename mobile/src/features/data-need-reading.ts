// Plain-words readings of an AIIDA data need's duration and transmission
// schedule, for people deciding whether to share their data.
import cronstrue from "cronstrue";

const periodPattern = /^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/;

/** An ISO-8601 period such as "P1Y2M" or "-P30D", split into its parts. */
export interface Period {
  negative: boolean;
  years: number;
  months: number;
  weeks: number;
  days: number;
}

/** Parses an ISO-8601 date period ("P10D", "-P1M", "P1Y"); undefined when it is not one. */
export function parsePeriod(text: string): Period | undefined {
  const m = periodPattern.exec(text.trim().toUpperCase());
  if (!m || m.slice(2).every((part) => part === undefined)) return undefined;
  return {
    negative: m[1] === "-",
    years: Number(m[2] ?? 0),
    months: Number(m[3] ?? 0),
    weeks: Number(m[4] ?? 0),
    days: Number(m[5] ?? 0),
  };
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** "1 year and 2 months"; "" for a zero period. */
export function periodInWords(p: Period): string {
  const parts = [
    p.years && plural(p.years, "year"),
    p.months && plural(p.months, "month"),
    p.weeks && plural(p.weeks, "week"),
    p.days && plural(p.days, "day"),
  ].filter((x): x is string => Boolean(x));
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

/**
 * Reads a relative duration as a person would say it.
 *
 * @example describeRelativeDuration("-P30D", "P1Y")
 * // "From 30 days before you approve until 1 year after you approve"
 */
export function describeRelativeDuration(start: string, end: string): string {
  const s = parsePeriod(start);
  const e = parsePeriod(end);
  if (!s || !e) return `From ${start} to ${end}, counted from the day you approve`;
  return `${capitalise(relativePoint(s, "from"))} ${relativePoint(e, "until")}`;
}

function relativePoint(p: Period, word: "from" | "until"): string {
  const words = periodInWords(p);
  if (!words) return word === "from" ? "from the day you approve" : "until the day you approve";
  return `${word} ${words} ${p.negative ? "before" : "after"} you approve`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Reads fixed start and end dates: "From 1 March 2026 to 31 March 2027". */
export function describeAbsoluteDuration(start: Date, end: Date, locale = "en-GB"): string {
  const f = new Intl.DateTimeFormat(locale, { day: "numeric", month: "long", year: "numeric" });
  return `From ${f.format(start)} to ${f.format(end)}`;
}

/**
 * Reads an AIIDA transmission schedule (cron with seconds) in plain words.
 *
 * @example describeSchedule("0 *\/15 * * * *") // "Every 15 minutes"
 */
export function describeSchedule(cron: string): string {
  const text = cron.trim();
  if (!text) return "No schedule given";
  try {
    return cronstrue.toString(text, { use24HourTimeFormat: true, verbose: false });
  } catch {
    return `On the schedule "${text}"`;
  }
}
