import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { CatalogService } from "@eddie-marketplace/gen";
import type { Kysely } from "kysely";
import { callerOf } from "../auth/principal.js";
import { listDataRequests, listServiceOffers } from "../catalog/browse.js";
import {
  archiveDataRequest,
  archiveServiceOffer,
  type CatalogContext,
  createDataRequest,
  createServiceOffer,
  getDataRequest,
  getServiceOffer,
  publishDataRequest,
  publishServiceOffer,
  updateDataRequest,
  updateServiceOffer,
} from "../catalog/lifecycle.js";
import type { Database } from "../db/schema.js";

/** What the catalog service needs. */
export interface CatalogServiceDeps {
  readonly db: Kysely<Database>;
  /** The clock; defaults to the system clock. */
  readonly now?: () => Date;
}

/**
 * CatalogService: thin handlers that take the verified caller and hand the
 * request to the catalog's domain functions. The role policy (eligible
 * parties write, everyone signed in reads) is enforced before they run; the
 * object checks (whose item, which status) are the domain's: another
 * organisation's draft or archived item answers NOT_FOUND, editing anything
 * but a draft FAILED_PRECONDITION. A customer browsing with `filter.mine`
 * gets INVALID_ARGUMENT on "filter.mine" (customers have no items of their
 * own), not a silently empty page.
 */
export function catalogService(deps: CatalogServiceDeps): ServiceImpl<typeof CatalogService> {
  const ctx: CatalogContext = { db: deps.db, now: deps.now ?? (() => new Date()) };
  return {
    async createDataRequest(req, c) {
      return { dataRequest: await createDataRequest(ctx, callerOf(c), req.input) };
    },
    async updateDataRequest(req, c) {
      return { dataRequest: await updateDataRequest(ctx, callerOf(c), req.id, req.input) };
    },
    async publishDataRequest(req, c) {
      return { dataRequest: await publishDataRequest(ctx, callerOf(c), req.id) };
    },
    async archiveDataRequest(req, c) {
      return { dataRequest: await archiveDataRequest(ctx, callerOf(c), req.id) };
    },
    async getDataRequest(req, c) {
      return { dataRequest: await getDataRequest(ctx, callerOf(c), req.id) };
    },
    async listDataRequests(req, c) {
      const page = await listDataRequests(ctx, callerOf(c), req);
      return { dataRequests: page.items, nextPageToken: page.nextPageToken };
    },
    async createServiceOffer(req, c) {
      return { serviceOffer: await createServiceOffer(ctx, callerOf(c), req.input) };
    },
    async updateServiceOffer(req, c) {
      return { serviceOffer: await updateServiceOffer(ctx, callerOf(c), req.id, req.input) };
    },
    async publishServiceOffer(req, c) {
      return { serviceOffer: await publishServiceOffer(ctx, callerOf(c), req.id) };
    },
    async archiveServiceOffer(req, c) {
      return { serviceOffer: await archiveServiceOffer(ctx, callerOf(c), req.id) };
    },
    async getServiceOffer(req, c) {
      return { serviceOffer: await getServiceOffer(ctx, callerOf(c), req.id) };
    },
    async listServiceOffers(req, c) {
      const page = await listServiceOffers(ctx, callerOf(c), req);
      return { serviceOffers: page.items, nextPageToken: page.nextPageToken };
    },
  };
}

/**
 * The catalog alone as routes, for tests and for servers that serve only it.
 *
 * @example
 * const api = inMemoryApi(catalogRoutes({ db }), { acme: epPrincipal("u1", "acme") });
 */
export function catalogRoutes(deps: CatalogServiceDeps) {
  return (router: ConnectRouter) => router.service(CatalogService, catalogService(deps));
}
