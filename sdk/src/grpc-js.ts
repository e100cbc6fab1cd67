import type { DescMessage, DescMethod, DescService, MessageInitShape } from "@bufbuild/protobuf";
import { create, fromBinary, isMessage, toBinary } from "@bufbuild/protobuf";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";

/**
 * Turns a protobuf-es service descriptor into a `@grpc/grpc-js` service
 * definition, so grpc-js servers and clients speak the contracts in `proto/`
 * with the generated message types. Messages are serialized with protobuf-es;
 * nothing is loaded at run time from .proto files.
 *
 * @example
 * import { AiidaService } from "@eddie-marketplace/gen";
 * const server = new grpc.Server();
 * server.addService(grpcServiceDefinition(AiidaService), { attach: (call) => {...} });
 */
export function grpcServiceDefinition<S extends DescService>(
  service: S,
): ServiceDefinition<GrpcHandlers<S>> {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.localName] = methodDefinition(service, method);
  }
  return definition as ServiceDefinition<GrpcHandlers<S>>;
}

function methodDefinition(
  service: DescService,
  method: DescMethod,
): MethodDefinition<unknown, unknown> {
  const input = method.input;
  const output = method.output;
  return {
    path: `/${service.typeName}/${method.name}`,
    originalName: method.name,
    requestStream:
      method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
    responseStream:
      method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
    requestSerialize: serializer(input),
    requestDeserialize: deserializer(input),
    responseSerialize: serializer(output),
    responseDeserialize: deserializer(output),
  };
}

function serializer(schema: DescMessage) {
  return (message: unknown): Buffer => {
    // Handlers may answer with a plain init object; create() fills in defaults.
    const full = isMessage(message, schema)
      ? message
      : create(schema, message as MessageInitShape<DescMessage>);
    const bytes = toBinary(schema, full);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserializer(schema: DescMessage) {
  return (bytes: Buffer): unknown => fromBinary(schema, bytes);
}

/** The handler names of a service: its methods' local names (`attach`, `check`). */
export type GrpcHandlers<S extends DescService> = {
  [K in keyof S["method"]]: unknown;
};
