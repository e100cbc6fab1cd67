import type { ServiceOffer } from "@eddie-marketplace/sdk";
import { CatalogList } from "../components/catalog-list.js";
import { useMarketplace } from "../marketplace/client-context.js";
import { serviceCategoryLabel } from "../marketplace/labels.js";
import { Link } from "../router.js";

/** The organisation's service offers, with status tabs and a text filter. */
export function ServiceOffersPage() {
  const client = useMarketplace();
  return (
    <CatalogList<ServiceOffer>
      path="/offers"
      title="Service offers"
      intro={<p>What your organisation offers households in return for their data.</p>}
      noun="service offer"
      filterLabel="Search in names and descriptions"
      firstItemHint={
        <>
          Tell households what they get: <Link href="/offers/new">create a service offer</Link>.
        </>
      }
      load={async (request, signal) => {
        const res = await client.catalog.listServiceOffers(request, { signal });
        return { items: res.serviceOffers, nextPageToken: res.nextPageToken };
      }}
      name={(o) => <Link href={`/offers/${o.id}`}>{o.name || "Untitled offer"}</Link>}
      detail={{ heading: "Category", cell: (o) => serviceCategoryLabel[o.category] }}
    />
  );
}
