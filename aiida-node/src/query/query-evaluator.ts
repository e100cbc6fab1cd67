import { durationMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Asset, type DataSource, ObisCode, type Query } from "@eddie-marketplace/gen";

/**
 * What a search asks of an instance's data: the fields of a `Query` that
 * decide a match. A `Query` message is one; delivery can pass the same
 * criteria read from a grant.
 */
export type MatchCriteria = Pick<
  Query,
  "asset" | "countries" | "dataTags" | "maxSamplingInterval" | "historyStart"
>;

/**
 * The first source that satisfies `criteria` on its own, or undefined. A
 * source satisfies it when it is enabled, measures at the asked asset, is in
 * one of the asked countries (none asked: any), yields every asked data tag,
 * samples at least as often as asked, and holds history back to the asked
 * start. A query without an asset or without data tags never matches: it
 * cannot have come from a valid data request.
 */
export function findMatchingSource(
  criteria: MatchCriteria,
  sources: readonly DataSource[],
): DataSource | undefined {
  if (criteria.asset === Asset.UNSPECIFIED || criteria.dataTags.length === 0) return undefined;
  if (criteria.dataTags.includes(ObisCode.UNSPECIFIED)) return undefined;
  const countries = criteria.countries.map((c) => c.toUpperCase());
  const maxIntervalMs = criteria.maxSamplingInterval
    ? durationMs(criteria.maxSamplingInterval)
    : undefined;
  const historyStartMs = criteria.historyStart ? timestampMs(criteria.historyStart) : undefined;
  return sources.find(
    (s) =>
      s.enabled &&
      s.asset === criteria.asset &&
      (countries.length === 0 || countries.includes(s.country.toUpperCase())) &&
      criteria.dataTags.every((tag) => s.dataTags.includes(tag)) &&
      (maxIntervalMs === undefined ||
        (s.samplingInterval !== undefined && durationMs(s.samplingInterval) <= maxIntervalMs)) &&
      (historyStartMs === undefined ||
        (s.historyStart !== undefined && timestampMs(s.historyStart) <= historyStartMs)),
  );
}

/**
 * Evaluates a search query on the instance's own sources and says only
 * whether they match; nothing about the data leaves the instance.
 *
 * @example
 * const match = evaluateQuery(query, sources.dataSources);
 */
export function evaluateQuery(query: MatchCriteria, sources: readonly DataSource[]): boolean {
  return findMatchingSource(query, sources) !== undefined;
}
