import { ItemStatus } from "@eddie-marketplace/sdk";
import { type ReactNode, useState } from "react";
import { itemStatusLabel } from "../marketplace/labels.js";
import {
  applyListFilters,
  type ListFilters,
  readListFilters,
} from "../marketplace/list-filters.js";
import { formatDate, type TimestampLike } from "../marketplace/time-format.js";
import { useRpc } from "../marketplace/use-rpc.js";
import { Link, useLocation } from "../router.js";
import { EmptyState, ErrorAlert, Loading } from "./async-state.js";
import { StatusBadge } from "./status-badge.js";
import { StatusFilter } from "./status-filter.js";

/** What every catalog item in the list shows. */
interface CatalogItem {
  readonly id: string;
  readonly status: ItemStatus;
  readonly countries: readonly string[];
  readonly updatedAt?: TimestampLike;
}

/** One page of the organisation's own items, as the list RPCs answer. */
export type LoadPage<T> = (
  request: {
    filter: { mine: true; status: ItemStatus; text: string };
    pageSize: number;
    pageToken: string;
  },
  signal: AbortSignal,
) => Promise<{ items: T[]; nextPageToken: string }>;

/** What differs between the data-request and the service-offer list. */
export interface CatalogListProps<T extends CatalogItem> {
  /** The list's route; an item's page is `${path}/${id}`, the editor `${path}/new`. */
  readonly path: string;
  readonly title: string;
  readonly intro: ReactNode;
  /** Names the kind: "data request", "service offer". */
  readonly noun: string;
  readonly filterLabel: string;
  /** What the empty list suggests, with a link to the editor. */
  readonly firstItemHint: ReactNode;
  readonly load: LoadPage<T>;
  /** The name cell's content. */
  readonly name: (item: T) => ReactNode;
  /** The third column: its heading and each item's cell. */
  readonly detail: { readonly heading: string; readonly cell: (item: T) => ReactNode };
}

const pageSize = 50;

/** The organisation's catalog items of one kind, with status tabs and a text filter. */
export function CatalogList<T extends CatalogItem>(props: CatalogListProps<T>) {
  const { query } = useLocation();
  const { status, text } = readListFilters(query);
  const [pages, setPages] = useState(1);
  const setFilters = (next: Partial<ListFilters>) => {
    setPages(1);
    applyListFilters(props.path, { status, text, ...next });
  };
  const list = useRpc(
    async (signal) => {
      const items: T[] = [];
      let pageToken = "";
      let more = false;
      for (let i = 0; i < pages; i++) {
        const res = await props.load(
          { filter: { mine: true, status, text: text.trim() }, pageSize, pageToken },
          signal,
        );
        items.push(...res.items);
        pageToken = res.nextPageToken;
        more = pageToken !== "";
        if (!more) break;
      }
      return { items, more };
    },
    [status, text, pages],
  );
  const unfiltered = status === ItemStatus.UNSPECIFIED && !text;
  const filterId = `${props.path.slice(1)}-text-filter`;
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{props.title}</h1>
          {props.intro}
        </div>
        <Link className="button primary" href={`${props.path}/new`}>
          New {props.noun}
        </Link>
      </div>
      <div className="card">
        <StatusFilter value={status} onChange={(s) => setFilters({ status: s })} />
        <div className="filters">
          <div className="field">
            <label htmlFor={filterId}>{props.filterLabel}</label>
            <input
              id={filterId}
              type="search"
              value={text}
              onChange={(e) => setFilters({ text: e.target.value })}
            />
          </div>
        </div>
        {list.error !== undefined ? (
          <ErrorAlert error={list.error} onRetry={list.reload} />
        ) : list.loading && !list.data ? (
          <Loading label={`Loading your ${props.noun}s…`} />
        ) : list.data?.items.length === 0 ? (
          <EmptyState
            title={unfiltered ? `No ${props.noun}s yet` : "Nothing matches these filters"}
          >
            {unfiltered && <p>{props.firstItemHint}</p>}
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">{props.detail.heading}</th>
                  <th scope="col">Countries</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {list.data?.items.map((item) => (
                  <tr key={item.id}>
                    <td>{props.name(item)}</td>
                    <td>
                      <StatusBadge {...itemStatusLabel[item.status]} />
                    </td>
                    <td>{props.detail.cell(item)}</td>
                    <td>{item.countries.join(", ")}</td>
                    <td>{formatDate(item.updatedAt)}</td>
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
