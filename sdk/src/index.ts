// The SDK's face. Clients, auth helpers and the EP receiver are exported here
// as they are built.
export type { GrpcHandlers } from "./grpc-js.js";
