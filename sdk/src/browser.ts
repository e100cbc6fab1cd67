// The SDK for browsers and other fetch-based runtimes: the shared face, with
// `createMarketplaceClient` over connect-web.
export * from "./index.js";
export { createMarketplaceClient, createMarketplaceTransport } from "./web-transport.js";
