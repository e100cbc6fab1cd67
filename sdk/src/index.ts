// The SDK's face, shared by its Node and browser builds (node.ts and
// browser.ts re-export it and add `createMarketplaceClient` on their own
// transport). Types apart from values.

export type { CallOptions, Client, Interceptor, Transport } from "@connectrpc/connect";
export { Code, ConnectError } from "@connectrpc/connect";
export type {
  PendingAuthorization,
  PublicClientOptions,
  UserSession,
} from "./auth/authorization-code.js";
export {
  beginSignIn,
  completeSignIn,
  refreshTokens,
  signOutUrl,
  userSession,
} from "./auth/authorization-code.js";
export type {
  ClientCredentialsOptions,
  ClientCredentialsProvider,
} from "./auth/client-credentials.js";
export { clientCredentials } from "./auth/client-credentials.js";
export type { FetchFunction, IssuerMetadata } from "./auth/oidc-discovery.js";
export { discoverIssuer } from "./auth/oidc-discovery.js";
export type { TokenSet } from "./auth/token-endpoint.js";
export { OAuthError } from "./auth/token-endpoint.js";
export type { TokenProvider } from "./auth/token-provider.js";
export { bearerAuth, staticToken } from "./auth/token-provider.js";
export * from "./contracts.js";
export type { FieldViolation } from "./errors.js";
export { fieldViolations } from "./errors.js";
export type { AccessRequest, FollowOptions, PermissionChange } from "./flows/access-decisions.js";
export {
  followPermissions,
  requestAccess,
  settledPermissionStates,
} from "./flows/access-decisions.js";
export type { DataRequestInit } from "./flows/data-request-publishing.js";
export { publishDataRequest } from "./flows/data-request-publishing.js";
export type { ReconnectInfo, SubscribeOptions } from "./flows/notification-subscription.js";
export { subscribe } from "./flows/notification-subscription.js";
export type { BackoffOptions } from "./flows/reconnect-backoff.js";
export { backoffDelay, defaultBackoff } from "./flows/reconnect-backoff.js";
export type { RunningSearch, SearchEvent, SearchOptions } from "./flows/search-run.js";
export { search } from "./flows/search-run.js";
export type { MarketplaceClient, MarketplaceClientOptions } from "./marketplace-client.js";
export { marketplaceClientOver } from "./marketplace-client.js";
export type { ObisDescription } from "./vocabulary.js";
export {
  assetName,
  assetValues,
  dataSourceTypeName,
  dataSourceTypeValues,
  describeObis,
  obisCodes,
  parseAsset,
  parseDataSourceType,
  parseObis,
  parseSchema,
  schemaName,
  schemaValues,
  tryDescribeObis,
  tryParseObis,
} from "./vocabulary.js";
