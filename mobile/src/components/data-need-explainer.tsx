import type { DataRequest } from "@eddie-marketplace/sdk";
import {
  describeAbsoluteDuration,
  describeRelativeDuration,
  describeSchedule,
} from "../features/data-need-reading.js";
import { toDate } from "../features/time-format.js";
import {
  assetLabels,
  countryName,
  obisCode,
  obisLabel,
  schemaLabels,
} from "../features/vocabulary-labels.js";

/** For how long, in plain words, from a data need's duration. */
export function durationInWords(request: DataRequest): string {
  const d = request.dataNeed?.duration?.kind;
  if (d?.case === "relative") return describeRelativeDuration(d.value.start, d.value.end);
  if (d?.case === "absolute") {
    const start = toDate(d.value.start);
    const end = toDate(d.value.end);
    if (start && end) return describeAbsoluteDuration(start, end);
  }
  return "No period given";
}

/**
 * Explains a data request to a household in plain words: who asks, why, what
 * data (names and units), how often, for how long, from where and in which form.
 */
export function DataNeedExplainer({ request }: { request: DataRequest }) {
  const need = request.dataNeed;
  const tags = need?.dataTags ?? [];
  return (
    <dl className="explainer">
      <div>
        <dt>Who asks</dt>
        <dd>{request.organisation?.name || "An unnamed organisation"}</dd>
      </div>
      <div>
        <dt>Why</dt>
        <dd>{need?.purpose || "No purpose given"}</dd>
      </div>
      <div>
        <dt>What data</dt>
        <dd>
          {tags.length === 0 ? (
            "No measurements listed"
          ) : (
            <ul className="tag-list">
              {tags.map((tag) => (
                <li key={tag}>
                  {obisLabel(tag)}
                  {obisCode(tag) && <span className="code"> {obisCode(tag)}</span>}
                </li>
              ))}
            </ul>
          )}
        </dd>
      </div>
      <div>
        <dt>How often</dt>
        <dd>{describeSchedule(need?.transmissionSchedule ?? "")}</dd>
      </div>
      <div>
        <dt>For how long</dt>
        <dd>{durationInWords(request)}</dd>
      </div>
      <div>
        <dt>Measured at</dt>
        <dd>{(need && assetLabels.get(need.asset)) || "Not stated"}</dd>
      </div>
      <div>
        <dt>Delivered as</dt>
        <dd>
          {need?.schemas.map((s) => schemaLabels.get(s) ?? String(s)).join(", ") || "Not stated"}
        </dd>
      </div>
      <div>
        <dt>Countries</dt>
        <dd>{request.countries.map(countryName).join(", ") || "Any"}</dd>
      </div>
      {need?.policyLink && (
        <div>
          <dt>Data policy</dt>
          <dd>
            <a href={need.policyLink} target="_blank" rel="noreferrer noopener">
              Read how {request.organisation?.name || "they"} handle your data
            </a>
          </dd>
        </div>
      )}
    </dl>
  );
}
