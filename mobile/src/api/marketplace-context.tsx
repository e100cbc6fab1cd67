import {
  createMarketplaceClient,
  type MarketplaceClient,
  type TokenProvider,
} from "@eddie-marketplace/sdk";
import { createContext, type ReactNode, useContext, useMemo } from "react";
import { config } from "../config.js";

/** The SDK's typed clients for every Marketplace service the app uses. */
export type Marketplace = MarketplaceClient;

const MarketplaceContext = createContext<Marketplace | undefined>(undefined);

/** Makes the signed-in person's Marketplace clients available to every screen. */
export function MarketplaceProvider({
  tokenProvider,
  children,
}: {
  tokenProvider: TokenProvider;
  children: ReactNode;
}) {
  const client = useMemo(
    () => createMarketplaceClient({ baseUrl: config.marketplaceUrl, tokenProvider }),
    [tokenProvider],
  );
  return <MarketplaceContext.Provider value={client}>{children}</MarketplaceContext.Provider>;
}

/** The Marketplace clients; only inside a signed-in screen. */
export function useMarketplace(): Marketplace {
  const client = useContext(MarketplaceContext);
  if (!client) throw new Error("useMarketplace outside MarketplaceProvider");
  return client;
}
