import { useMarketplace } from "../api/marketplace-context.js";
import { ErrorView, LoadingView } from "../components/state-views.js";
import { formatDate } from "../features/time-format.js";
import { useAsync } from "../features/use-async.js";
import { categoryLabels, countryName, obisCode, obisLabel } from "../features/vocabulary-labels.js";
import { Link } from "../router.js";

/** A service offer: what the household gets and which data it needs. */
export function ServiceOfferScreen({ id }: { id: string }) {
  const mp = useMarketplace();
  const result = useAsync(
    async (signal) => (await mp.catalog.getServiceOffer({ id }, { signal })).serviceOffer,
    id,
  );
  if (result.status === "loading") return <LoadingView label="Loading the service…" />;
  if (result.status === "error" || !result.data)
    return <ErrorView error={result.error} context="load this service" onRetry={result.reload} />;
  const o = result.data;
  return (
    <section aria-labelledby="offer-title" className="screen">
      <p className="card-kicker">
        Service · {categoryLabels.get(o.category) ?? "Other"} · {o.organisation?.name}
      </p>
      <h1 id="offer-title">{o.name}</h1>
      <p className="lead pre-line">{o.description}</p>
      <dl className="explainer">
        <div>
          <dt>Offered by</dt>
          <dd>{o.organisation?.name || "An unnamed organisation"}</dd>
        </div>
        <div>
          <dt>Data it needs</dt>
          <dd>
            <ul className="tag-list">
              {o.dataTags.map((t) => (
                <li key={t}>
                  {obisLabel(t)}
                  {obisCode(t) && <span className="code"> {obisCode(t)}</span>}
                </li>
              ))}
            </ul>
          </dd>
        </div>
        <div>
          <dt>Countries</dt>
          <dd>{o.countries.map(countryName).join(", ") || "Any"}</dd>
        </div>
        {o.publishedAt && (
          <div>
            <dt>Offered since</dt>
            <dd>{formatDate(o.publishedAt)}</dd>
          </div>
        )}
      </dl>
      {o.dataRequestId && (
        <Link
          href={`/browse/requests/${encodeURIComponent(o.dataRequestId)}`}
          className="button secondary wide"
        >
          See exactly which data, how often and for how long
        </Link>
      )}
      {o.link && (
        <a className="button primary wide" href={o.link} target="_blank" rel="noreferrer noopener">
          Learn more at {o.organisation?.name || "their site"}
        </a>
      )}
    </section>
  );
}
