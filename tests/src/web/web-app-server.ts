import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createViteServer, type ViteDevServer } from "vite";

/** The EP Web App served for a test. */
export interface TestWebApp {
  /** The app's origin, for example "http://127.0.0.1:41234". */
  readonly origin: string;
  /** The callback URL the IAM must know for this origin. */
  readonly redirectUri: string;
  /**
   * Starts serving the app against a Marketplace and an IAM. Until then the
   * port is bound but answers 503, so the IAM and the Marketplace can be told
   * the app's origin before the app is told theirs.
   */
  serve(target: { marketplaceUrl: string; issuer: string }): Promise<void>;
  /** Stops the dev server and closes the port. */
  close(): Promise<void>;
}

const webRoot = new URL("../../../web/", import.meta.url).pathname;

/**
 * Binds a port (0: any free one) for the EP Web App and returns its origin at
 * once; `serve` then starts Vite's dev server in middleware mode behind it,
 * with the Marketplace URL and IAM issuer as the app's VITE_* settings.
 *
 * @example
 * const web = await startWebApp();
 * const iam = await startIam({ IAM_WEB_REDIRECT_URIS: web.redirectUri });
 * // ... start the Marketplace with CORS_ORIGINS: web.origin
 * await web.serve({ marketplaceUrl, issuer: iam.issuer });
 */
export async function startWebApp(): Promise<TestWebApp> {
  let vite: ViteDevServer | undefined;
  const http = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    if (!vite) {
      res.writeHead(503, { "content-type": "text/plain" }).end("the app is not served yet");
      return;
    }
    vite.middlewares(req, res, () => {
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    redirectUri: `${origin}/callback`,
    async serve(target) {
      process.env.VITE_MARKETPLACE_URL = target.marketplaceUrl;
      process.env.VITE_IAM_ISSUER = target.issuer;
      vite = await createViteServer({
        root: webRoot,
        configFile: `${webRoot}vite.config.ts`,
        logLevel: "warn",
        clearScreen: false,
        appType: "spa",
        server: { middlewareMode: true, hmr: false, ws: false, watch: null },
      });
    },
    async close() {
      await vite?.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
