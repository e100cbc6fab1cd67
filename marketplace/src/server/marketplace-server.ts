import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "@eddie-marketplace/sdk/log";
import type { Config } from "../config.js";
import type { DatabaseHandle } from "../db/database.js";
import { healthRoutes } from "../health/health-routes.js";
import { HealthStatus, ServingStatus } from "../health/health-status.js";
import { listenClientFacing } from "./client-listener.js";
import { type GrpcService, listenNodeFacing } from "./node-listener.js";

/** A running Marketplace. */
export interface MarketplaceServer {
  /** The bound client-facing port. */
  readonly httpPort: number;
  /** The bound node-facing port. */
  readonly grpcPort: number;
  readonly health: HealthStatus;
  /**
   * Shuts down gracefully: reports NOT_SERVING, stops accepting, ends
   * long-lived streams, waits for open calls up to the grace period.
   * The database is the caller's to close.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * A plain HTTP route served beside the RPCs on the client-facing port (for
 * example the grant JWKS). Answers true when it handled the request.
 */
export type HttpRoute = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
) => boolean;

/** What the server is made of; tests pass their own. */
export interface MarketplaceDeps {
  readonly config: Config;
  readonly database: DatabaseHandle;
  readonly log: Logger;
  /** Interceptors run on every client-facing RPC (authentication first). */
  readonly interceptors?: Interceptor[];
  /** Client-facing services, registered beside health. */
  readonly routes?: (router: ConnectRouter) => void;
  /** Node-facing services, served beside health. */
  readonly nodeServices?: readonly GrpcService[];
  /** Plain HTTP routes on the client-facing port, tried for paths no RPC has. */
  readonly httpRoutes?: readonly HttpRoute[];
}

/**
 * Starts both listeners. Returns once both are bound.
 *
 * @example
 * const server = await startMarketplace({ config, database, log });
 * process.once("SIGTERM", () => server.stop());
 */
export async function startMarketplace(deps: MarketplaceDeps): Promise<MarketplaceServer> {
  const { config, log } = deps;
  const health = new HealthStatus();
  const shutdown = new AbortController();

  const handler = connectNodeAdapter({
    routes: (router) => {
      healthRoutes(health, shutdown.signal)(router);
      deps.routes?.(router);
    },
    interceptors: deps.interceptors ?? [],
    readMaxBytes: config.maxMessageBytes,
    writeMaxBytes: config.maxMessageBytes,
    shutdownSignal: shutdown.signal,
    fallback: (req, res) => {
      const response = res as ServerResponse | Http2ServerResponse;
      for (const route of deps.httpRoutes ?? []) if (route(req, response)) return;
      res.statusCode = 404;
      res.end();
    },
  });

  const client = await listenClientFacing({
    host: config.httpHost,
    port: config.httpPort,
    handler,
    corsOrigins: config.corsOrigins,
  });
  let node: Awaited<ReturnType<typeof listenNodeFacing>>;
  try {
    node = await listenNodeFacing({
      host: config.grpcHost,
      port: config.grpcPort,
      maxMessageBytes: config.maxMessageBytes,
      health,
      shutdown: shutdown.signal,
      services: deps.nodeServices ?? [],
    });
  } catch (err) {
    await client.close(0);
    throw err;
  }
  log.info("listening", {
    http_port: client.port,
    grpc_port: node.port,
    database: deps.database.kind,
  });

  let stopping: Promise<void> | undefined;
  return {
    httpPort: client.port,
    grpcPort: node.port,
    health,
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        log.info("shutting down", { grace_ms: graceMs });
        health.setAll(ServingStatus.NOT_SERVING);
        shutdown.abort();
        await Promise.all([client.close(graceMs), node.close(graceMs)]);
        log.info("stopped");
      })();
      return stopping;
    },
  };
}
