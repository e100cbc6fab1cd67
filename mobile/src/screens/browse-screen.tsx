import {
  type Asset,
  type DataRequest,
  type ObisCode,
  type Schema,
  type ServiceCategory,
  type ServiceOffer,
  SortOrder,
} from "@eddie-marketplace/sdk";
import { useEffect, useState } from "react";
import { useMarketplace } from "../api/marketplace-context.js";
import { InfiniteList } from "../components/infinite-list.js";
import { EmptyView, ErrorView, LoadingView } from "../components/state-views.js";
import { describeSchedule } from "../features/data-need-reading.js";
import { formatDate } from "../features/time-format.js";
import { usePagedList } from "../features/use-paged-list.js";
import {
  allObis,
  assetLabels,
  categoryLabels,
  countryName,
  filterCountries,
  obisLabel,
  schemaLabels,
} from "../features/vocabulary-labels.js";
import { Link, navigate, useLocation } from "../router.js";

type Tab = "requests" | "offers";

/** The browse filters, kept in the address so Back returns to the same list. */
interface BrowseFilters {
  tab: Tab;
  text: string;
  country: string;
  tag: number;
  asset: number;
  schema: number;
  purpose: string;
  category: number;
}

function readFilters(search: URLSearchParams): BrowseFilters {
  return {
    tab: search.get("tab") === "offers" ? "offers" : "requests",
    text: search.get("q") ?? "",
    country: search.get("country") ?? "",
    tag: Number(search.get("tag") ?? 0),
    asset: Number(search.get("asset") ?? 0),
    schema: Number(search.get("schema") ?? 0),
    purpose: search.get("purpose") ?? "",
    category: Number(search.get("category") ?? 0),
  };
}

function writeFilters(f: BrowseFilters): string {
  const q = new URLSearchParams();
  if (f.tab === "offers") q.set("tab", "offers");
  if (f.text) q.set("q", f.text);
  if (f.country) q.set("country", f.country);
  if (f.tag) q.set("tag", String(f.tag));
  if (f.tab === "requests" && f.asset) q.set("asset", String(f.asset));
  if (f.tab === "requests" && f.schema) q.set("schema", String(f.schema));
  if (f.tab === "requests" && f.purpose) q.set("purpose", f.purpose);
  if (f.tab === "offers" && f.category) q.set("category", String(f.category));
  const s = q.toString();
  return s ? `/browse?${s}` : "/browse";
}

function activeFilterCount(f: BrowseFilters): number {
  const shared = [f.country, f.tag].filter(Boolean).length;
  return f.tab === "requests"
    ? shared + [f.asset, f.schema, f.purpose].filter(Boolean).length
    : shared + (f.category ? 1 : 0);
}

/** Browses published data requests and service offers with the catalog's filters. */
export function BrowseScreen() {
  const { search } = useLocation();
  const filters = readFilters(search);
  const [showFilters, setShowFilters] = useState(false);
  const [text, setText] = useState(filters.text);
  // Reads the address at call time: a search typed a moment ago may land after a filter change.
  const set = (change: Partial<BrowseFilters>) => {
    const current = readFilters(new URLSearchParams(window.location.search));
    navigate(writeFilters({ ...current, ...change }), { replace: true });
  };

  // Searching as the person types, once they pause.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only the typed text starts a search.
  useEffect(() => {
    if (text === filters.text) return;
    const timer = window.setTimeout(() => set({ text }), 350);
    return () => window.clearTimeout(timer);
  }, [text]);

  const count = activeFilterCount(filters);
  return (
    <section aria-labelledby="browse-title" className="screen">
      <h1 id="browse-title">Browse</h1>
      <fieldset className="segmented" aria-label="What to browse">
        <button
          type="button"
          aria-pressed={filters.tab === "requests"}
          onClick={() => set({ tab: "requests" })}
        >
          Data requests
        </button>
        <button
          type="button"
          aria-pressed={filters.tab === "offers"}
          onClick={() => set({ tab: "offers" })}
        >
          Services
        </button>
      </fieldset>
      <div className="search-row">
        <label htmlFor="browse-text" className="visually-hidden">
          Search
        </label>
        <input
          id="browse-text"
          type="search"
          placeholder="Search by name or purpose"
          value={text}
          onChange={(e) => setText(e.target.value)}
          enterKeyHint="search"
        />
        <button
          type="button"
          className="button secondary small"
          aria-expanded={showFilters}
          aria-controls="browse-filters"
          onClick={() => setShowFilters((v) => !v)}
        >
          Filters{count > 0 ? ` (${count})` : ""}
        </button>
      </div>
      {showFilters && (
        <FilterPanel filters={filters} onChange={set} onDone={() => setShowFilters(false)} />
      )}
      {filters.tab === "requests" ? (
        <DataRequestList filters={filters} />
      ) : (
        <ServiceOfferList filters={filters} />
      )}
    </section>
  );
}

function FilterPanel({
  filters,
  onChange,
  onDone,
}: {
  filters: BrowseFilters;
  onChange(change: Partial<BrowseFilters>): void;
  onDone(): void;
}) {
  const requests = filters.tab === "requests";
  return (
    <fieldset id="browse-filters" className="filter-panel">
      <legend>Filters</legend>
      <label htmlFor="filter-country">Country</label>
      <select
        id="filter-country"
        value={filters.country}
        onChange={(e) => onChange({ country: e.target.value })}
      >
        <option value="">Any country</option>
        {filterCountries.map((c) => (
          <option key={c} value={c}>
            {countryName(c)}
          </option>
        ))}
      </select>
      <label htmlFor="filter-tag">Measurement</label>
      <select
        id="filter-tag"
        value={filters.tag}
        onChange={(e) => onChange({ tag: Number(e.target.value) })}
      >
        <option value={0}>Any measurement</option>
        {allObis.map((o) => (
          <option key={o.value} value={o.value}>
            {obisLabel(o.value)}
          </option>
        ))}
      </select>
      {requests && (
        <>
          <label htmlFor="filter-asset">Measured at</label>
          <select
            id="filter-asset"
            value={filters.asset}
            onChange={(e) => onChange({ asset: Number(e.target.value) })}
          >
            <option value={0}>Anywhere</option>
            {[...assetLabels].map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
          <label htmlFor="filter-schema">Delivered as</label>
          <select
            id="filter-schema"
            value={filters.schema}
            onChange={(e) => onChange({ schema: Number(e.target.value) })}
          >
            <option value={0}>Any format</option>
            {[...schemaLabels].map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
          <label htmlFor="filter-purpose">Purpose contains</label>
          <input
            id="filter-purpose"
            value={filters.purpose}
            onChange={(e) => onChange({ purpose: e.target.value })}
          />
        </>
      )}
      {!requests && (
        <>
          <label htmlFor="filter-category">Category</label>
          <select
            id="filter-category"
            value={filters.category}
            onChange={(e) => onChange({ category: Number(e.target.value) })}
          >
            <option value={0}>Any category</option>
            {[...categoryLabels].map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </>
      )}
      <div className="card-row spread">
        <button
          type="button"
          className="button text"
          onClick={() =>
            onChange({ country: "", tag: 0, asset: 0, schema: 0, purpose: "", category: 0 })
          }
        >
          Clear filters
        </button>
        <button type="button" className="button primary small" onClick={onDone}>
          Done
        </button>
      </div>
    </fieldset>
  );
}

function catalogFilter(f: BrowseFilters) {
  return {
    countries: f.country ? [f.country] : [],
    dataTags: f.tag ? [f.tag as ObisCode] : [],
    text: f.text,
    asset: (f.tab === "requests" ? f.asset : 0) as Asset,
    schemas: f.tab === "requests" && f.schema ? [f.schema as Schema] : [],
    purpose: f.tab === "requests" ? f.purpose : "",
    category: (f.tab === "offers" ? f.category : 0) as ServiceCategory,
  };
}

function DataRequestList({ filters }: { filters: BrowseFilters }) {
  const mp = useMarketplace();
  const list = usePagedList<DataRequest>(async (pageToken, signal) => {
    const res = await mp.catalog.listDataRequests(
      {
        filter: catalogFilter(filters),
        sort: filters.text ? SortOrder.RELEVANCE : SortOrder.NEWEST,
        pageSize: 20,
        pageToken,
      },
      { signal },
    );
    return { items: res.dataRequests, nextPageToken: res.nextPageToken };
  }, writeFilters(filters));
  if (list.status === "loading") return <LoadingView label="Loading data requests…" />;
  if (list.status === "error")
    return <ErrorView error={list.error} context="load data requests" onRetry={list.reload} />;
  if (list.items.length === 0)
    return (
      <EmptyView title="No data requests found">
        {activeFilterCount(filters) || filters.text
          ? "Nothing matches these filters. Try fewer filters."
          : "No company asks for data right now. Check back later."}
      </EmptyView>
    );
  return (
    <InfiniteList
      list={list}
      label="Data requests"
      itemKey={(r) => r.id}
      renderItem={(r) => (
        <Link href={`/browse/requests/${encodeURIComponent(r.id)}`} className="card link-card">
          <span className="card-kicker">{r.organisation?.name}</span>
          <strong className="card-title">{r.dataNeed?.name || "Untitled request"}</strong>
          <span className="card-text">{r.dataNeed?.purpose}</span>
          <span className="muted small">
            {(r.dataNeed?.dataTags ?? []).map(obisLabel).join(", ")}
          </span>
          <span className="muted small">
            {describeSchedule(r.dataNeed?.transmissionSchedule ?? "")} ·{" "}
            {r.countries.map(countryName).join(", ")}
          </span>
        </Link>
      )}
    />
  );
}

function ServiceOfferList({ filters }: { filters: BrowseFilters }) {
  const mp = useMarketplace();
  const list = usePagedList<ServiceOffer>(async (pageToken, signal) => {
    const res = await mp.catalog.listServiceOffers(
      {
        filter: catalogFilter(filters),
        sort: filters.text ? SortOrder.RELEVANCE : SortOrder.NEWEST,
        pageSize: 20,
        pageToken,
      },
      { signal },
    );
    return { items: res.serviceOffers, nextPageToken: res.nextPageToken };
  }, writeFilters(filters));
  if (list.status === "loading") return <LoadingView label="Loading services…" />;
  if (list.status === "error")
    return <ErrorView error={list.error} context="load services" onRetry={list.reload} />;
  if (list.items.length === 0)
    return (
      <EmptyView title="No services found">
        {activeFilterCount(filters) || filters.text
          ? "Nothing matches these filters. Try fewer filters."
          : "No services are offered right now. Check back later."}
      </EmptyView>
    );
  return (
    <InfiniteList
      list={list}
      label="Services"
      itemKey={(o) => o.id}
      renderItem={(o) => (
        <Link href={`/browse/offers/${encodeURIComponent(o.id)}`} className="card link-card">
          <span className="card-kicker">
            {o.organisation?.name} · {categoryLabels.get(o.category) ?? "Service"}
          </span>
          <strong className="card-title">{o.name}</strong>
          <span className="card-text clamp">{o.description}</span>
          <span className="muted small">
            {o.countries.map(countryName).join(", ")}
            {o.publishedAt ? ` · since ${formatDate(o.publishedAt)}` : ""}
          </span>
        </Link>
      )}
    />
  );
}
