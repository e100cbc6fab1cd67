import type { DataRequest } from "@eddie-marketplace/sdk";
import { CatalogList } from "../components/catalog-list.js";
import { useMarketplace } from "../marketplace/client-context.js";
import { obisName } from "../marketplace/obis-label.js";
import { Link } from "../router.js";

/** The organisation's data requests, with status tabs and a text filter. */
export function DataRequestsPage() {
  const client = useMarketplace();
  return (
    <CatalogList<DataRequest>
      path="/requests"
      title="Data requests"
      intro={
        <p>
          What data your organisation asks households for. Publish a request to search for matching
          households.
        </p>
      }
      noun="data request"
      filterLabel="Search in names, descriptions and purposes"
      firstItemHint={
        <>
          Describe the data you need:{" "}
          <Link href="/requests/new">create your first data request</Link>.
        </>
      }
      load={async (request, signal) => {
        const res = await client.catalog.listDataRequests(request, { signal });
        return { items: res.dataRequests, nextPageToken: res.nextPageToken };
      }}
      name={(r) => (
        <>
          <Link href={`/requests/${r.id}`}>{r.dataNeed?.name || "Untitled request"}</Link>
          <div className="hint">{r.dataNeed?.purpose}</div>
        </>
      )}
      detail={{
        heading: "Data tags",
        cell: (r) => (r.dataNeed?.dataTags ?? []).map((t) => obisName(t)).join(", "),
      }}
    />
  );
}
