// The SDK for Node (EP backends, scripts, tests): the shared face, with
// `createMarketplaceClient` over connect-node.
export * from "./index.js";
export { createMarketplaceClient, createMarketplaceTransport } from "./node-transport.js";
