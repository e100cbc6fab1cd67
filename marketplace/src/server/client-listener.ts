import type { IncomingMessage, ServerResponse } from "node:http";
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { cors } from "@connectrpc/connect";
import type { connectNodeAdapter } from "@connectrpc/connect-node";

/** A listening server and how to stop it. */
export interface Listener {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /**
   * Stops accepting, lets open requests finish for up to `graceMs`, then
   * closes what is left.
   */
  close(graceMs: number): Promise<void>;
}

const h2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/**
 * Serves `handler` on one plain-text port for browsers and gRPC clients alike:
 * HTTP/1.1 (Connect, gRPC-Web) and HTTP/2 with prior knowledge (gRPC, Connect).
 * Node's plain HTTP/2 server does not also speak HTTP/1.1, so the first bytes
 * of each connection decide which server gets it.
 */
export async function listenClientFacing(options: {
  host: string;
  port: number;
  handler: NodeHandlerFn;
  corsOrigins: readonly string[];
}): Promise<Listener> {
  const handle = withCors(options.handler, options.corsOrigins);
  const h1 = http.createServer(handle);
  h1.keepAliveTimeout = 65_000;
  const h2 = http2.createServer({}, handle);
  const sockets = new Set<net.Socket>();
  // HTTP/1.1 requests in flight per socket, so shutdown can close idle
  // keep-alive connections at once and busy ones as soon as they finish.
  const inFlight = new Map<net.Socket, number>();
  let closing = false;
  h1.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once("close", () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (closing && left === 0) socket.destroySoon();
    });
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  const h2Sockets = new WeakSet<net.Socket>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });

  // No Nagle delay: a server stream writes small messages one at a time, and
  // without this each could wait for the previous one's ACK (http.Server sets
  // it on connections it accepts itself; these it is handed).
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      inFlight.delete(socket);
    });
    socket.once("data", (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      const n = Math.min(chunk.length, h2Preface.length);
      const isH2 = chunk.subarray(0, n).equals(h2Preface.subarray(0, n));
      if (isH2) h2Sockets.add(socket);
      // Both servers read what was unshifted: http reads the stream, http2
      // takes the bytes already buffered before it reads the handle.
      (isH2 ? h2 : h1).emit("connection", socket);
      if (!isH2) socket.resume();
    });
    socket.on("error", () => socket.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;

  return {
    port: address.port,
    async close(graceMs) {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      for (const socket of sockets) {
        if (!h2Sockets.has(socket) && (inFlight.get(socket) ?? 0) === 0) socket.destroySoon();
      }
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}

type NodeHandlerFn = ReturnType<typeof connectNodeAdapter>;
type Request = IncomingMessage | http2.Http2ServerRequest;
type Response = ServerResponse | http2.Http2ServerResponse;

function withCors(handler: NodeHandlerFn, origins: readonly string[]) {
  const allowAll = origins.includes("*");
  const allowMethods = cors.allowedMethods.join(", ");
  const allowHeaders = [...cors.allowedHeaders, "Authorization"].join(", ");
  const exposeHeaders = cors.exposedHeaders.join(", ");
  return (req: Request, res: Response) => {
    const origin = req.headers.origin;
    if (typeof origin === "string" && (allowAll || origins.includes(origin))) {
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Vary", "Origin");
      res.setHeader("Access-Control-Expose-Headers", exposeHeaders);
      if (req.method === "OPTIONS") {
        res.setHeader("Access-Control-Allow-Methods", allowMethods);
        res.setHeader("Access-Control-Allow-Headers", allowHeaders);
        res.setHeader("Access-Control-Max-Age", "7200");
        res.writeHead(204);
        res.end();
        return;
      }
    }
    (handler as (req: Request, res: Response) => void)(req, res);
  };
}
