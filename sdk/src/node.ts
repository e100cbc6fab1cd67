// The SDK for Node (EP backends, scripts, tests): the shared face, with
// `createMarketplaceClient` over connect-node, and the EP's receiver for
// delivered data (a gRPC server, so Node only).
export * from "./index.js";
export { createMarketplaceClient, createMarketplaceTransport } from "./node-transport.js";
export * from "./receiver/index.js";
