import { ErrorAlert, Loading } from "../components/async-state.js";
import { CatalogItemHead } from "../components/catalog-item-head.js";
import { useMarketplace } from "../marketplace/client-context.js";
import { countries, serviceCategoryLabel } from "../marketplace/labels.js";
import { obisLabel } from "../marketplace/obis-label.js";
import { formatDateTime } from "../marketplace/time-format.js";
import { useRpc } from "../marketplace/use-rpc.js";
import { Link } from "../router.js";

/** One service offer: its content, publish and archive. */
export function ServiceOfferPage(props: { id: string }) {
  const client = useMarketplace();
  const offer = useRpc(
    async (signal) =>
      (await client.catalog.getServiceOffer({ id: props.id }, { signal })).serviceOffer,
    [props.id],
  );
  if (offer.error !== undefined && !offer.data)
    return <ErrorAlert error={offer.error} onRetry={offer.reload} />;
  const o = offer.data;
  if (!o) return <Loading label="Loading the service offer…" />;
  return (
    <>
      <CatalogItemHead
        listPath="/offers"
        listTitle="Service offers"
        item={o}
        title={o.name || "Untitled offer"}
        subtitle={serviceCategoryLabel[o.category]}
        archiveQuestion="Archive this offer? Households no longer see it."
        publish={() => client.catalog.publishServiceOffer({ id: props.id })}
        archive={() => client.catalog.archiveServiceOffer({ id: props.id })}
        onChanged={offer.reload}
      />
      <section className="card">
        <p>{o.description}</p>
        <dl className="facts">
          <dt>Data needed</dt>
          <dd>
            {o.dataTags.map((t) => (
              <div key={t}>{obisLabel(t)}</div>
            ))}
          </dd>
          <dt>Countries</dt>
          <dd>
            {o.countries.map((c) => countries.find((x) => x.code === c)?.name ?? c).join(", ")}
          </dd>
          <dt>Link</dt>
          <dd>{o.link ? <a href={o.link}>{o.link}</a> : "—"}</dd>
          <dt>Data request</dt>
          <dd>
            {o.dataRequestId ? (
              <Link href={`/requests/${o.dataRequestId}`}>Open the request</Link>
            ) : (
              "—"
            )}
          </dd>
          <dt>Created</dt>
          <dd>{formatDateTime(o.createdAt)}</dd>
          <dt>Published</dt>
          <dd>{formatDateTime(o.publishedAt)}</dd>
        </dl>
      </section>
    </>
  );
}
