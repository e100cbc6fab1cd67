import { type DataRequest, ItemStatus } from "@eddie-marketplace/sdk";
import { useState } from "react";
import { EmptyState, ErrorAlert, Loading } from "../components/async-state.js";
import { StatusBadge } from "../components/status-badge.js";
import { StatusFilter } from "../components/status-filter.js";
import { useMarketplace } from "../marketplace/client-context.js";
import { itemStatusLabel } from "../marketplace/labels.js";
import {
  applyListFilters,
  type ListFilters,
  readListFilters,
} from "../marketplace/list-filters.js";
import { obisName } from "../marketplace/obis-label.js";
import { formatDate } from "../marketplace/time-format.js";
import { useRpc } from "../marketplace/use-rpc.js";
import { Link, useLocation } from "../router.js";

/** The organisation's data requests, with status tabs and a text filter. */
export function DataRequestsPage() {
  const client = useMarketplace();
  const { query } = useLocation();
  const { status, text } = readListFilters(query);
  const [pages, setPages] = useState(1);
  const setFilters = (next: Partial<ListFilters>) => {
    setPages(1);
    applyListFilters("/requests", { status, text, ...next });
  };
  const list = useRpc(
    async (signal) => {
      const items: DataRequest[] = [];
      let pageToken = "";
      let more = false;
      for (let i = 0; i < pages; i++) {
        const res = await client.catalog.listDataRequests(
          { filter: { mine: true, status, text: text.trim() }, pageSize: 50, pageToken },
          { signal },
        );
        items.push(...res.dataRequests);
        pageToken = res.nextPageToken;
        more = pageToken !== "";
        if (!more) break;
      }
      return { items, more };
    },
    [status, text, pages],
  );
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Data requests</h1>
          <p>
            What data your organisation asks households for. Publish a request to search for
            matching households.
          </p>
        </div>
        <Link className="button primary" href="/requests/new">
          New data request
        </Link>
      </div>
      <div className="card">
        <StatusFilter
          value={status}
          onChange={(s) => {
            setFilters({ status: s });
          }}
        />
        <div className="filters">
          <div className="field">
            <label htmlFor="request-text-filter">Search in names, descriptions and purposes</label>
            <input
              id="request-text-filter"
              type="search"
              value={text}
              onChange={(e) => {
                setFilters({ text: e.target.value });
              }}
            />
          </div>
        </div>
        {list.error !== undefined ? (
          <ErrorAlert error={list.error} onRetry={list.reload} />
        ) : list.loading && !list.data ? (
          <Loading label="Loading your data requests…" />
        ) : list.data?.items.length === 0 ? (
          <EmptyState
            title={
              status === ItemStatus.UNSPECIFIED && !text
                ? "No data requests yet"
                : "Nothing matches these filters"
            }
          >
            {status === ItemStatus.UNSPECIFIED && !text && (
              <p>
                Describe the data you need:{" "}
                <Link href="/requests/new">create your first data request</Link>.
              </p>
            )}
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Data tags</th>
                  <th scope="col">Countries</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {list.data?.items.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <Link href={`/requests/${r.id}`}>
                        {r.dataNeed?.name || "Untitled request"}
                      </Link>
                      <div className="hint">{r.dataNeed?.purpose}</div>
                    </td>
                    <td>
                      <StatusBadge {...itemStatusLabel[r.status]} />
                    </td>
                    <td>{(r.dataNeed?.dataTags ?? []).map((t) => obisName(t)).join(", ")}</td>
                    <td>{r.countries.join(", ")}</td>
                    <td>{formatDate(r.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {list.data?.more && (
              <button
                type="button"
                className="button"
                onClick={() => setPages((p) => p + 1)}
                disabled={list.loading}
              >
                {list.loading ? "Loading…" : "Show more"}
              </button>
            )}
          </div>
        )}
      </div>
    </>
  );
}
