// The eligible party's side of delivery: the grant format and its checks, and
// the IngestService receiver that AIIDA instances deliver to.
export type { GrantClaims, VerifyGrantOptions } from "./grant.js";
export {
  decodeVerifiedGrant,
  GRANT_ALGORITHM,
  GRANT_ISSUER,
  GRANT_JWKS_PATH,
  GRANT_TYPE,
  GrantError,
  grantPayload,
  verifyGrant,
} from "./grant.js";
export type {
  IngestReceiver,
  IngestReceiverOptions,
  ReceivedRecord,
  RefusedDelivery,
} from "./ingest-receiver.js";
export { startIngestReceiver } from "./ingest-receiver.js";
