import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { DataRequest, DataRequestInputSchema } from "@eddie-marketplace/gen";
import type { MarketplaceClient } from "../marketplace-client.js";

/** The content of a data request, as a plain object (enums from the SDK). */
export type DataRequestInit = MessageInitShape<typeof DataRequestInputSchema>;

/**
 * Creates a data request and publishes it in one call, so it can be browsed
 * and searched for at once. Answers the published request.
 *
 * @throws ConnectError INVALID_ARGUMENT with a `google.rpc.BadRequest` detail
 * naming every wrong field (read them with `fieldViolations(err)`); nothing is
 * stored then. Should publishing itself fail, the draft stays: find it with
 * `catalog.listDataRequests({ filter: { mine: true, status: ItemStatus.DRAFT } })`.
 * @example
 * const request = await publishDataRequest(mp, {
 *   dataNeed: { name: "Heat pump optimisation", purpose: "…", dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY], … },
 *   countries: ["AT"],
 *   deliveryEndpoint: "https://ep.example.com:8443",
 * });
 */
export async function publishDataRequest(
  mp: Pick<MarketplaceClient, "catalog">,
  input: DataRequestInit,
): Promise<DataRequest> {
  const created = await mp.catalog.createDataRequest({ input });
  const id = created.dataRequest?.id ?? "";
  const published = await mp.catalog.publishDataRequest({ id });
  if (published.dataRequest === undefined) {
    throw new ConnectError(`publishing ${id} answered no data request`, Code.Internal);
  }
  return published.dataRequest;
}
