import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import type { Logger } from "@eddie-marketplace/sdk/log";
import { Accounts } from "./accounts/account-service.js";
import { type ApiClientRegistry, apiClientRegistryFor } from "./accounts/iam-admin-client.js";
import { revokedClientGuard } from "./accounts/revoked-client-guard.js";
import { accountService } from "./api/account-service.js";
import { domainErrorInterceptor } from "./api/errors.js";
import { instanceService } from "./api/instance-service.js";
import { apiRoutes } from "./api/routes.js";
import { searchService } from "./api/search-service.js";
import { authInterceptor } from "./auth/auth-interceptor.js";
import type { TokenVerifier } from "./auth/token-verifier.js";
import { PublishedRequests } from "./catalog/published-requests.js";
import { findDataRequest } from "./catalog/repository.js";
import type { Config } from "./config.js";
import { buildAccessModule } from "./consent/access-module.js";
import type { DatabaseHandle } from "./db/database.js";
import { NodeMesh } from "./mesh/attach-service.js";
import { NodeRegistry } from "./mesh/node-registry.js";
import { RegistryFanout } from "./search/registry-fanout.js";
import type { HttpRoute } from "./server/marketplace-server.js";
import type { GrpcService } from "./server/node-listener.js";

/**
 * The Marketplace's parts, wired together: what the listeners serve and the
 * background work (outbox relay, expiry sweeps) that runs beside them. The
 * composition root: `main.ts` builds it from configuration, whole-system tests
 * build it with their own pieces.
 */
export interface MarketplaceApp {
  readonly routes: (router: ConnectRouter) => void;
  readonly interceptors: Interceptor[];
  readonly nodeServices: readonly GrpcService[];
  /** Plain HTTP routes on the client-facing port (the grant JWKS). */
  readonly httpRoutes: readonly HttpRoute[];
  /** Starts background work; call once the listeners are up. */
  start(): Promise<void>;
  /** Stops background work; call before closing the database. */
  stop(): Promise<void>;
}

/** What the app is built from. `verifier` checks the IAM's access tokens. */
export interface AppDeps {
  readonly config: Config;
  readonly database: DatabaseHandle;
  readonly log: Logger;
  readonly verifier: TokenVerifier;
  /** The IAM's client store for EP API clients; defaults to IAM_ADMIN_TOKEN/IAM_ADMIN_URL. */
  readonly apiClients?: ApiClientRegistry;
}

/** Builds the Marketplace's parts. */
export async function buildApp(deps: AppDeps): Promise<MarketplaceApp> {
  const background: { start(): Promise<void>; stop(): Promise<void> }[] = [];
  const { db } = deps.database;
  // The live node streams: send() reaches an instance, onAttach() says it (re)connected.
  const registry = new NodeRegistry();
  const mesh = new NodeMesh({ db, registry, log: deps.log.child({ component: "mesh" }) });
  await mesh.prepare();
  background.push(mesh);
  const fanout = new RegistryFanout(registry, deps.log);
  // Consent: grants go down the node streams through the registry; the
  // outbox relay and notification tail start after the mesh.
  const access = await buildAccessModule({
    db,
    log: deps.log.child({ component: "access" }),
    channel: registry,
    findDataRequest: async (tx, id) => (await findDataRequest(tx, id))?.dataRequest,
  });
  background.push(access);
  return {
    routes: apiRoutes({
      db: deps.database.db,
      account: accountService(
        new Accounts({
          db,
          apiClients: deps.apiClients ?? apiClientRegistryFor(deps.config),
        }),
      ),
      instance: instanceService({
        db,
        registry,
        claimChanged: async (id, claimed) => {
          await mesh.claimChanged(id, claimed);
          // A release stopped deliveries in its transaction; send the stops now.
          if (!claimed) access.lifecycle.wake();
        },
        inRelease: (trx, id) => access.lifecycle.instanceReleased(trx, id),
      }),
      search: searchService({
        db,
        fanout,
        requests: new PublishedRequests(db),
        log: deps.log,
      }),
      access: access.access,
      notification: access.notification,
    }),
    interceptors: [
      authInterceptor(revokedClientGuard(deps.verifier, db), deps.log),
      domainErrorInterceptor((err) => deps.log.error("unexpected error", { err })),
    ],
    nodeServices: [mesh.service],
    httpRoutes: [access.jwksRoute],
    async start() {
      for (const b of background) await b.start();
    },
    async stop() {
      for (const b of [...background].reverse()) await b.stop();
    },
  };
}
