import type { Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import {
  type MarketplaceClient,
  type MarketplaceClientOptions,
  marketplaceClientOver,
  marketplaceInterceptors,
} from "./marketplace-client.js";

/**
 * A Connect transport to the Marketplace over fetch (connect-web), with the
 * bearer token interceptor installed. Unary and server-streaming calls only,
 * which is all the client-facing services use.
 */
export function createMarketplaceTransport(options: MarketplaceClientOptions): Transport {
  return createConnectTransport({
    baseUrl: options.baseUrl,
    useBinaryFormat: options.useBinaryFormat ?? false,
    interceptors: marketplaceInterceptors(options),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/**
 * Typed clients for every client-facing Marketplace service. This is the
 * browser build (connect-web over fetch); Node gets a connect-node build from
 * the same import.
 *
 * @example
 * import { createMarketplaceClient, userSession } from "@eddie-marketplace/sdk";
 * const mp = createMarketplaceClient({ baseUrl: "https://marketplace.example.com", tokenProvider: session });
 * const page = await mp.catalog.listDataRequests({ filter: { countries: ["AT"] } });
 */
export function createMarketplaceClient(options: MarketplaceClientOptions): MarketplaceClient {
  return marketplaceClientOver(createMarketplaceTransport(options));
}
