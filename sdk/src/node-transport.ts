import type { Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  defaultReadMaxBytes,
  type MarketplaceClient,
  type MarketplaceClientOptions,
  marketplaceClientOver,
  marketplaceInterceptors,
} from "./marketplace-client.js";

/**
 * A Connect transport to the Marketplace for Node (connect-node), with the
 * bearer token interceptor installed.
 */
export function createMarketplaceTransport(options: MarketplaceClientOptions): Transport {
  return createConnectTransport({
    baseUrl: options.baseUrl,
    httpVersion: options.httpVersion ?? "1.1",
    useBinaryFormat: options.useBinaryFormat ?? true,
    readMaxBytes: options.readMaxBytes ?? defaultReadMaxBytes,
    interceptors: marketplaceInterceptors(options),
  });
}

/**
 * Typed clients for every client-facing Marketplace service. This is the
 * Node build (connect-node); browsers get a fetch-based build from the same
 * import.
 *
 * @example
 * import { clientCredentials, createMarketplaceClient } from "@eddie-marketplace/sdk";
 * const mp = createMarketplaceClient({
 *   baseUrl: "https://marketplace.example.com",
 *   tokenProvider: clientCredentials({ issuer, clientId, clientSecret }),
 * });
 * const { account } = await mp.account.getMe({});
 */
export function createMarketplaceClient(options: MarketplaceClientOptions): MarketplaceClient {
  return marketplaceClientOver(createMarketplaceTransport(options));
}
