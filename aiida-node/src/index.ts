// The face of the AIIDA node package: what delivery code and whole-system
// tests use. The program itself is src/main.ts.
export type { AiidaInstance } from "./aiida-instance.js";
export { createInstance } from "./aiida-instance.js";
export { HELLO_PROOF_AUDIENCE, signHelloProof } from "./identity/hello-proof.js";
export type { InstanceIdentity } from "./identity/instance-identity.js";
export {
  createIdentity,
  loadOrCreateIdentities,
  loadOrCreateIdentity,
} from "./identity/instance-identity.js";
export type {
  LinkEvents,
  LinkOptions,
  LinkState,
  LinkStatus,
} from "./link/marketplace-link.js";
export { MarketplaceLink } from "./link/marketplace-link.js";
export type {
  PermissionContext,
  PermissionDecision,
  PermissionHandler,
  PermissionStatusInit,
} from "./link/permission-handler.js";
export type { BackoffOptions } from "./link/reconnect-backoff.js";
export { GRPC_BACKOFF, ReconnectBackoff } from "./link/reconnect-backoff.js";
export type { NodeConfig } from "./node-config.js";
export { readNodeConfig } from "./node-config.js";
export type {
  AttachedLine,
  PairingCodeLine,
  ProgramLine,
  ReadyLine,
  RunningNodes,
} from "./node-program.js";
export { startNodes, VERSION } from "./node-program.js";
export type { MatchCriteria } from "./query/query-evaluator.js";
export { evaluateQuery, findMatchingSource } from "./query/query-evaluator.js";
export { InstanceSources } from "./sources/instance-sources.js";
export { SimulatedMeter } from "./sources/simulated-meter.js";
export type { SourceProfile, SourceTemplate } from "./sources/source-profiles.js";
export {
  dataSourcesOf,
  HISTORY_ANCHOR,
  SOURCE_PROFILES,
  sourceProfile,
} from "./sources/source-profiles.js";
export { pairingUri } from "./status/status-server.js";
