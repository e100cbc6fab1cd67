import type { MarketplaceClient } from "@eddie-marketplace/sdk";
import { createContext, useContext } from "react";

/** The signed-in person's Marketplace client, for every page below the shell. */
export const ClientContext = createContext<MarketplaceClient | undefined>(undefined);

/** The Marketplace client of the signed-in person. */
export function useMarketplace(): MarketplaceClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error("useMarketplace is used outside the signed-in app");
  return client;
}
