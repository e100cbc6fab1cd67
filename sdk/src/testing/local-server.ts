import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";

/** A real HTTP server on a loopback port, for the SDK's own unit tests. */
export interface LocalServer {
  /** Where it listens, for example "http://127.0.0.1:40123". */
  readonly baseUrl: string;
  /** Closes the server and every connection still open. */
  close(): Promise<void>;
}

/**
 * Serves Connect `routes` over HTTP/1.1 on 127.0.0.1 and a free port, so SDK
 * tests talk to a real server over a real socket. Not part of the package.
 */
export function serveRoutes(routes: (router: ConnectRouter) => void): Promise<LocalServer> {
  return serveHttp(connectNodeAdapter({ routes }));
}

/** Serves a plain request handler on 127.0.0.1 and a free port. */
export async function serveHttp(handler: http.RequestListener): Promise<LocalServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
