import { useMarketplace } from "../api/marketplace-context.js";
import { DataNeedExplainer } from "../components/data-need-explainer.js";
import { ErrorView, LoadingView } from "../components/state-views.js";
import { formatDate } from "../features/time-format.js";
import { useAsync } from "../features/use-async.js";

/** A published data request explained in plain words. */
export function DataRequestScreen({ id }: { id: string }) {
  const mp = useMarketplace();
  const result = useAsync(
    async (signal) => (await mp.catalog.getDataRequest({ id }, { signal })).dataRequest,
    id,
  );
  if (result.status === "loading") return <LoadingView label="Loading the data request…" />;
  if (result.status === "error" || !result.data)
    return (
      <ErrorView error={result.error} context="load this data request" onRetry={result.reload} />
    );
  const r = result.data;
  return (
    <section aria-labelledby="request-title" className="screen">
      <p className="card-kicker">Data request · {r.organisation?.name}</p>
      <h1 id="request-title">{r.dataNeed?.name || "Data request"}</h1>
      {r.dataNeed?.description && <p className="lead">{r.dataNeed.description}</p>}
      <DataNeedExplainer request={r} />
      <p className="muted small">
        {r.publishedAt ? `Published ${formatDate(r.publishedAt)}. ` : ""}
        If your AIIDA instance has this data, {r.organisation?.name || "the company"} may ask you
        for it. You'll get a notification and decide then; nothing is shared before you approve.
      </p>
    </section>
  );
}
