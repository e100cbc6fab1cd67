import type { ServiceImpl } from "@connectrpc/connect";
import type { AccessService, DataRequest, NotificationService } from "@eddie-marketplace/gen";
import { GRANT_JWKS_PATH } from "@eddie-marketplace/sdk/grant";
import type { Logger } from "@eddie-marketplace/sdk/log";
import type { Kysely } from "kysely";
import { accessService } from "../api/access-service.js";
import { notificationService } from "../api/notification-service.js";
import type { Database } from "../db/schema.js";
import { NotificationHub } from "../notify/notification-hub.js";
import type { HttpRoute } from "../server/marketplace-server.js";
import { type AccessSources, databaseAccessSources } from "./access-sources.js";
import { type GrantSigner, loadGrantSigner } from "./grant-signer.js";
import { PermissionLifecycle } from "./permission-lifecycle.js";
import { type NodeChannel, PermissionRelay, type RelayOptions } from "./permission-relay.js";

/** Tunables of access and notifications; tests shorten them. */
export interface AccessOptions extends Partial<RelayOptions> {
  /** How often requests are expired and finished permissions fulfilled. */
  readonly sweepMs?: number;
  /** How often the notification tail looks for other replicas' notifications. */
  readonly notificationPollMs?: number;
  /** How often a quiet subscription sends a heartbeat. */
  readonly heartbeatMs?: number;
  readonly now?: () => Date;
}

/** Access and consent, wired: the services, the JWKS route and the background work. */
export interface AccessModule {
  readonly lifecycle: PermissionLifecycle;
  readonly hub: NotificationHub;
  readonly relay: PermissionRelay;
  readonly signer: GrantSigner;
  readonly access: Partial<ServiceImpl<typeof AccessService>>;
  readonly notification: Partial<ServiceImpl<typeof NotificationService>>;
  /** Serves the grant keys at GET /.well-known/jwks.json. */
  readonly jwksRoute: HttpRoute;
  /** Starts the notification tail, the command relay and the sweep. */
  start(): Promise<void>;
  /** Stops them; nothing pending is lost, it waits in the database. */
  stop(): Promise<void>;
}

/**
 * Builds access and consent from the database, the mesh's node channel and
 * the catalog's data-request lookup.
 *
 * @example
 * const access = await buildAccessModule({ db, log, channel: registry,
 *   findDataRequest: async (db, id) => (await findDataRequest(db, id))?.dataRequest });
 */
export async function buildAccessModule(deps: {
  readonly db: Kysely<Database>;
  readonly log: Logger;
  readonly channel: NodeChannel;
  readonly findDataRequest?: (db: Kysely<Database>, id: string) => Promise<DataRequest | undefined>;
  readonly sources?: AccessSources;
  readonly options?: AccessOptions;
}): Promise<AccessModule> {
  const options = deps.options ?? {};
  const signer = await loadGrantSigner(deps.db);
  const hub = new NotificationHub(deps.db, deps.log, options.notificationPollMs);
  const sources =
    deps.sources ?? databaseAccessSources(deps.findDataRequest ?? (async () => undefined));
  let relay: PermissionRelay | undefined;
  const lifecycle = new PermissionLifecycle({
    db: deps.db,
    signer,
    sources,
    now: options.now,
    afterCommit: () => {
      hub.wake();
      relay?.wake();
    },
  });
  relay = new PermissionRelay(deps.db, lifecycle, deps.channel, deps.log, options);
  const jwksBody = JSON.stringify(signer.jwks());
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> | undefined;
  const started = relay;
  return {
    lifecycle,
    hub,
    relay: started,
    signer,
    access: accessService(lifecycle),
    notification: notificationService({
      db: deps.db,
      hub,
      heartbeatMs: options.heartbeatMs,
      now: options.now,
    }),
    jwksRoute(req, res) {
      const path = (req.url ?? "").split("?")[0];
      if (path !== GRANT_JWKS_PATH) return false;
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.setHeader("allow", "GET, HEAD");
        res.statusCode = 405;
        res.end("");
        return true;
      }
      res.setHeader("content-type", "application/jwk-set+json");
      res.setHeader("cache-control", "public, max-age=300");
      res.statusCode = 200;
      res.end(req.method === "HEAD" ? "" : jwksBody);
      return true;
    },
    async start() {
      await hub.start();
      await started.start();
      sweepTimer = setInterval(() => {
        sweeping ??= lifecycle
          .sweep()
          .catch((err: unknown) => deps.log.warn("permission sweep failed", { err }))
          .finally(() => {
            sweeping = undefined;
          });
      }, options.sweepMs ?? 30_000);
      sweepTimer.unref();
    },
    async stop() {
      if (sweepTimer !== undefined) clearInterval(sweepTimer);
      await sweeping;
      await started.stop();
      await hub.stop();
    },
  };
}
