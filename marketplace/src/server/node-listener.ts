import { Health } from "@eddie-marketplace/gen";
import { grpcServiceDefinition } from "@eddie-marketplace/sdk/grpc-js";
import * as grpc from "@grpc/grpc-js";
import type { HealthStatus } from "../health/health-status.js";
import type { Listener } from "./client-listener.js";

/** A service the node-facing listener serves, as grpc-js wants it. */
export interface GrpcService {
  readonly definition: grpc.ServiceDefinition;
  readonly implementation: grpc.UntypedServiceImplementation;
  /**
   * Ends the service's long-lived streams at shutdown, so the listener can
   * drain instead of waiting out its grace period.
   */
  readonly drain?: () => void;
}

/**
 * Starts the node-facing listener: `@grpc/grpc-js` over HTTP/2, where every
 * AIIDA instance holds its one long-lived stream. Serves the health protocol
 * beside the given services. Keepalive is set explicitly because grpc-js
 * leaves it off.
 */
export async function listenNodeFacing(options: {
  host: string;
  port: number;
  maxMessageBytes: number;
  health: HealthStatus;
  /** Aborts at shutdown; ends the health watches so the server can drain. */
  shutdown: AbortSignal;
  services: readonly GrpcService[];
}): Promise<Listener> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": options.maxMessageBytes,
    "grpc.max_send_message_length": options.maxMessageBytes,
    "grpc.keepalive_time_ms": 45_000,
    "grpc.keepalive_timeout_ms": 20_000,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.http2.min_ping_interval_without_data_ms": 10_000,
    "grpc.max_concurrent_streams": 16,
    // Channelz keeps a registry entry and call counters per connection that
    // nothing here reads: about 1 KB for each attached home.
    "grpc.enable_channelz": 0,
  });
  server.addService(
    grpcServiceDefinition(Health) as grpc.ServiceDefinition,
    healthImplementation(options.health, options.shutdown),
  );
  for (const s of options.services) server.addService(s.definition, s.implementation);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `${options.host}:${options.port}`,
      grpc.ServerCredentials.createInsecure(),
      (err, bound) => (err ? reject(err) : resolve(bound)),
    );
  });

  return {
    port,
    close(graceMs) {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
        for (const service of options.services) service.drain?.();
      });
    },
  };
}

type HealthRequest = { service: string };

function healthImplementation(
  health: HealthStatus,
  shutdown: AbortSignal,
): grpc.UntypedServiceImplementation {
  return {
    check(
      call: grpc.ServerUnaryCall<HealthRequest, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      const status = health.get(call.request.service);
      if (status === undefined) {
        callback({
          code: grpc.status.NOT_FOUND,
          details: `unknown service "${call.request.service}"`,
        });
        return;
      }
      callback(null, { status });
    },
    watch(call: grpc.ServerWritableStream<HealthRequest, unknown>) {
      const abort = new AbortController();
      call.on("cancelled", () => abort.abort());
      call.on("close", () => abort.abort());
      const signal = AbortSignal.any([abort.signal, shutdown]);
      void (async () => {
        for await (const status of health.watch(call.request.service, signal)) {
          call.write({ status });
        }
        call.end();
      })();
    },
  };
}
