import { assetName, type DataRequest, ItemStatus, schemaName } from "@eddie-marketplace/sdk";
import { useState } from "react";
import { EmptyState, ErrorAlert, Loading } from "../components/async-state.js";
import { CatalogItemHead } from "../components/catalog-item-head.js";
import { PermissionTable } from "../components/permission-table.js";
import { SearchPanel } from "../components/search-panel.js";
import { SearchRuns } from "../components/search-runs.js";
import { useNotifications } from "../live/notification-feed.js";
import { useMarketplace } from "../marketplace/client-context.js";
import { readCron } from "../marketplace/cron-reading.js";
import { countries } from "../marketplace/labels.js";
import { obisLabel } from "../marketplace/obis-label.js";
import { formatDate, formatDateTime, readPeriod } from "../marketplace/time-format.js";
import { useRpc } from "../marketplace/use-rpc.js";

/** One data request: its content, publish and archive, search, and the access asked under it. */
export function DataRequestPage(props: { id: string }) {
  const client = useMarketplace();
  const request = useRpc(
    async (signal) =>
      (await client.catalog.getDataRequest({ id: props.id }, { signal })).dataRequest,
    [props.id],
  );
  const [version, setVersion] = useState(0);
  if (request.error !== undefined && !request.data)
    return <ErrorAlert error={request.error} onRetry={request.reload} />;
  if (!request.data) return <Loading label="Loading the data request…" />;
  const r = request.data;
  return (
    <>
      <CatalogItemHead
        listPath="/requests"
        listTitle="Data requests"
        item={r}
        title={r.dataNeed?.name || "Untitled request"}
        subtitle={r.dataNeed?.purpose}
        archiveQuestion="Archive this data request? It can no longer be searched for or browsed."
        publish={() => client.catalog.publishDataRequest({ id: props.id })}
        archive={() => client.catalog.archiveDataRequest({ id: props.id })}
        onChanged={request.reload}
      />
      <div className="split">
        <div>
          {r.status === ItemStatus.PUBLISHED ? (
            <>
              <SearchPanel dataRequestId={r.id} onFinished={() => setVersion((v) => v + 1)} />
              <RequestPermissions dataRequestId={r.id} version={version} />
              <SearchRuns
                dataRequestId={r.id}
                version={version}
                onAccessAsked={() => setVersion((v) => v + 1)}
              />
            </>
          ) : r.status === ItemStatus.DRAFT ? (
            <div className="card">
              <EmptyState title="Publish to search">
                <p>
                  A draft is visible only to your organisation. Publish it to search for households
                  and ask them for access.
                </p>
              </EmptyState>
            </div>
          ) : (
            <RequestPermissions dataRequestId={r.id} version={version} />
          )}
        </div>
        <RequestFacts request={r} />
      </div>
    </>
  );
}

function RequestFacts({ request: r }: { request: DataRequest }) {
  const n = r.dataNeed;
  const d = n?.duration?.kind;
  const nameOr = (f: () => string) => {
    try {
      return f();
    } catch {
      return "—";
    }
  };
  return (
    <aside className="card" aria-labelledby="facts-heading">
      <h2 id="facts-heading">The request</h2>
      {n?.description && <p>{n.description}</p>}
      <dl className="facts">
        <dt>Data tags</dt>
        <dd>
          {(n?.dataTags ?? []).map((t) => (
            <div key={t}>{obisLabel(t)}</div>
          ))}
        </dd>
        <dt>Asset</dt>
        <dd>{n ? nameOr(() => assetName(n.asset)) : "—"}</dd>
        <dt>Schemas</dt>
        <dd>{(n?.schemas ?? []).map((s) => nameOr(() => schemaName(s))).join(", ") || "—"}</dd>
        <dt>Duration</dt>
        <dd>
          {d?.case === "relative"
            ? `From ${readPeriod(d.value.start) ?? d.value.start} until ${readPeriod(d.value.end) ?? d.value.end}`
            : d?.case === "absolute"
              ? `${formatDate(d.value.start)} – ${formatDate(d.value.end)}`
              : "—"}
        </dd>
        <dt>Schedule</dt>
        <dd>
          <code>{n?.transmissionSchedule}</code>
          <div className="hint">{readCron(n?.transmissionSchedule ?? "").text}</div>
        </dd>
        <dt>Countries</dt>
        <dd>{r.countries.map((c) => countries.find((x) => x.code === c)?.name ?? c).join(", ")}</dd>
        <dt>Policy</dt>
        <dd>{n?.policyLink ? <a href={n.policyLink}>{n.policyLink}</a> : "—"}</dd>
        <dt>Delivery</dt>
        <dd>
          <code>{r.deliveryEndpoint || "—"}</code>
        </dd>
        <dt>Created</dt>
        <dd>{formatDateTime(r.createdAt)}</dd>
        <dt>Published</dt>
        <dd>{formatDateTime(r.publishedAt)}</dd>
      </dl>
    </aside>
  );
}

/** The permissions asked under one request, updated live as households decide. */
function RequestPermissions(props: { dataRequestId: string; version: number }) {
  const client = useMarketplace();
  const list = useRpc(
    async (signal) =>
      (
        await client.access.listPermissions(
          { dataRequestId: props.dataRequestId, pageSize: 100 },
          { signal },
        )
      ).permissions,
    [props.dataRequestId, props.version],
  );
  useNotifications((n) => {
    if (n.permissionId) list.reload();
  });
  if (list.error !== undefined) return <ErrorAlert error={list.error} onRetry={list.reload} />;
  if (!list.data) return <Loading label="Loading access requests…" />;
  if (list.data.length === 0) return null;
  return (
    <section className="card" aria-labelledby="access-heading">
      <h2 id="access-heading">Access asked</h2>
      <PermissionTable permissions={list.data} />
    </section>
  );
}
