import { ItemStatus, type ServiceOffer } from "@eddie-marketplace/sdk";
import { useState } from "react";
import { EmptyState, ErrorAlert, Loading } from "../components/async-state.js";
import { StatusBadge } from "../components/status-badge.js";
import { StatusFilter } from "../components/status-filter.js";
import { useMarketplace } from "../marketplace/client-context.js";
import { itemStatusLabel, serviceCategoryLabel } from "../marketplace/labels.js";
import {
  applyListFilters,
  type ListFilters,
  readListFilters,
} from "../marketplace/list-filters.js";
import { formatDate } from "../marketplace/time-format.js";
import { useRpc } from "../marketplace/use-rpc.js";
import { Link, useLocation } from "../router.js";

/** The organisation's service offers, with status tabs and a text filter. */
export function ServiceOffersPage() {
  const client = useMarketplace();
  const { query } = useLocation();
  const { status, text } = readListFilters(query);
  const [pages, setPages] = useState(1);
  const setFilters = (next: Partial<ListFilters>) => {
    setPages(1);
    applyListFilters("/offers", { status, text, ...next });
  };
  const list = useRpc(
    async (signal) => {
      const items: ServiceOffer[] = [];
      let pageToken = "";
      let more = false;
      for (let i = 0; i < pages; i++) {
        const res = await client.catalog.listServiceOffers(
          { filter: { mine: true, status, text: text.trim() }, pageSize: 50, pageToken },
          { signal },
        );
        items.push(...res.serviceOffers);
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
          <h1>Service offers</h1>
          <p>What your organisation offers households in return for their data.</p>
        </div>
        <Link className="button primary" href="/offers/new">
          New service offer
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
            <label htmlFor="offer-text-filter">Search in names and descriptions</label>
            <input
              id="offer-text-filter"
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
          <Loading label="Loading your service offers…" />
        ) : list.data?.items.length === 0 ? (
          <EmptyState
            title={
              status === ItemStatus.UNSPECIFIED && !text
                ? "No service offers yet"
                : "Nothing matches these filters"
            }
          >
            {status === ItemStatus.UNSPECIFIED && !text && (
              <p>
                Tell households what they get:{" "}
                <Link href="/offers/new">create a service offer</Link>.
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
                  <th scope="col">Category</th>
                  <th scope="col">Countries</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {list.data?.items.map((o) => (
                  <tr key={o.id}>
                    <td>
                      <Link href={`/offers/${o.id}`}>{o.name || "Untitled offer"}</Link>
                    </td>
                    <td>
                      <StatusBadge {...itemStatusLabel[o.status]} />
                    </td>
                    <td>{serviceCategoryLabel[o.category]}</td>
                    <td>{o.countries.join(", ")}</td>
                    <td>{formatDate(o.updatedAt)}</td>
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
