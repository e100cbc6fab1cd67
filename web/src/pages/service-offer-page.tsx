import { ItemStatus } from "@eddie-marketplace/sdk";
import { useState } from "react";
import { ErrorAlert, Loading } from "../components/async-state.js";
import { StatusBadge } from "../components/status-badge.js";
import { useMarketplace } from "../marketplace/client-context.js";
import { describeError } from "../marketplace/error-text.js";
import { countries, itemStatusLabel, serviceCategoryLabel } from "../marketplace/labels.js";
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
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<unknown>();
  const act = async (what: "publish" | "archive") => {
    if (what === "archive" && !window.confirm("Archive this offer? Households no longer see it."))
      return;
    setBusy(what);
    setError(undefined);
    try {
      if (what === "publish") await client.catalog.publishServiceOffer({ id: props.id });
      else await client.catalog.archiveServiceOffer({ id: props.id });
      offer.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };
  if (offer.error !== undefined && !offer.data)
    return <ErrorAlert error={offer.error} onRetry={offer.reload} />;
  const o = offer.data;
  if (!o) return <Loading label="Loading the service offer…" />;
  return (
    <>
      <div className="breadcrumb">
        <Link href="/offers">Service offers</Link> ›
      </div>
      <div className="page-head">
        <div>
          <h1>
            {o.name || "Untitled offer"} <StatusBadge {...itemStatusLabel[o.status]} />
          </h1>
          <p>{serviceCategoryLabel[o.category]}</p>
        </div>
        <div className="button-row">
          {o.status === ItemStatus.DRAFT && (
            <>
              <Link className="button" href={`/offers/${o.id}/edit`}>
                Edit
              </Link>
              <button
                type="button"
                className="button primary"
                disabled={busy !== undefined}
                onClick={() => void act("publish")}
              >
                {busy === "publish" ? "Publishing…" : "Publish"}
              </button>
            </>
          )}
          {o.status !== ItemStatus.ARCHIVED && (
            <button
              type="button"
              className="button danger"
              disabled={busy !== undefined}
              onClick={() => void act("archive")}
            >
              {busy === "archive" ? "Archiving…" : "Archive"}
            </button>
          )}
        </div>
      </div>
      {error !== undefined && (
        <div className="alert error" role="alert">
          {describeError(error)}
        </div>
      )}
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
