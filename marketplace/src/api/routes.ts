import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import {
  AccessService,
  AccountService,
  CatalogService,
  InstanceService,
  NotificationService,
  SearchService,
} from "@eddie-marketplace/gen";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { catalogService } from "./catalog-service.js";

/** What the client-facing services are built from. */
export interface ApiDeps {
  /** AccountService (built in app.ts: it needs the IAM's client store). */
  readonly account?: Partial<ServiceImpl<typeof AccountService>>;
  readonly db: Kysely<Database>;
  /** InstanceService (built in app.ts: it needs the node mesh). */
  readonly instance?: Partial<ServiceImpl<typeof InstanceService>>;
  /** SearchService (built in app.ts: it needs the search fan-out). */
  readonly search?: Partial<ServiceImpl<typeof SearchService>>;
  /** AccessService (built in app.ts: it needs the consent lifecycle and the mesh). */
  readonly access?: Partial<ServiceImpl<typeof AccessService>>;
  /** NotificationService (built in app.ts: it needs the notification tail). */
  readonly notification?: Partial<ServiceImpl<typeof NotificationService>>;
}

/**
 * Search messages smaller than this go out uncompressed, though the client
 * accepts gzip. Searches stream to EP backends (browsers don't ask for
 * compressed streams); with Connect's default of 1 KiB every search's
 * matches and summary were gzipped: CPU at both ends, on the critical path,
 * for bytes that don't matter on the links EP backends use. The other
 * services keep the default, so browsers on slow networks still get
 * compressed catalog pages.
 */
export const searchCompressMinBytes = 64 * 1024;

/**
 * The client-facing services. Every service of the contracts is registered;
 * a method without an implementation answers UNIMPLEMENTED. The same routes
 * feed the real server and in-memory router transports in tests.
 */
export function apiRoutes(deps: ApiDeps) {
  return (router: ConnectRouter) => {
    router.service(AccountService, deps.account ?? {});
    router.service(InstanceService, deps.instance ?? {});
    router.service(CatalogService, catalogService({ db: deps.db }));
    router.service(SearchService, deps.search ?? {}, { compressMinBytes: searchCompressMinBytes });
    router.service(AccessService, deps.access ?? {});
    router.service(NotificationService, deps.notification ?? {});
  };
}
