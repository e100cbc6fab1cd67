import type { DescService } from "@bufbuild/protobuf";
import {
  AccessService,
  AccountService,
  CatalogService,
  InstanceService,
  NotificationService,
  Role,
  SearchService,
} from "@eddie-marketplace/gen";

const customer = [Role.CUSTOMER] as const;
const ep = [Role.ELIGIBLE_PARTY] as const;
const both = [Role.CUSTOMER, Role.ELIGIBLE_PARTY] as const;
const anyone = [Role.UNSPECIFIED, Role.CUSTOMER, Role.ELIGIBLE_PARTY] as const;

type Rules<S extends DescService> = { [K in keyof S["method"]]: readonly Role[] };

function rules<S extends DescService>(
  service: S,
  table: Rules<S>,
): [string, Map<string, readonly Role[]>] {
  const byName = new Map<string, readonly Role[]>();
  for (const method of service.methods) {
    const roles = (table as Record<string, readonly Role[]>)[method.localName];
    if (roles === undefined) throw new Error(`no policy for ${service.typeName}/${method.name}`);
    byName.set(method.name, roles);
  }
  return [service.typeName, byName];
}

/**
 * The one authorization policy by role: for every client-facing RPC, the
 * roles that may call it. The authentication interceptor enforces it before
 * any handler runs; a method missing here fails at start-up, so a new RPC
 * can't slip through unguarded. Object checks (whose data request, whose
 * permission) are the handlers' and answer NOT_FOUND, never leaking existence.
 */
export const rolePolicy: ReadonlyMap<string, ReadonlyMap<string, readonly Role[]>> = new Map([
  rules(AccountService, {
    getMe: anyone,
    updateProfile: both,
    createApiClient: ep,
    listApiClients: ep,
    revokeApiClient: ep,
  }),
  rules(InstanceService, {
    claimInstance: customer,
    listInstances: customer,
    getInstance: customer,
    releaseInstance: customer,
  }),
  rules(CatalogService, {
    createDataRequest: ep,
    updateDataRequest: ep,
    publishDataRequest: ep,
    archiveDataRequest: ep,
    getDataRequest: both,
    listDataRequests: both,
    createServiceOffer: ep,
    updateServiceOffer: ep,
    publishServiceOffer: ep,
    archiveServiceOffer: ep,
    getServiceOffer: both,
    listServiceOffers: both,
  }),
  rules(SearchService, {
    searchInstances: ep,
    getSearchRun: ep,
    listSearchRuns: ep,
  }),
  rules(AccessService, {
    requestAccess: ep,
    listPermissions: both,
    getPermission: both,
    approvePermission: customer,
    rejectPermission: customer,
    revokePermission: customer,
    terminatePermission: ep,
  }),
  rules(NotificationService, {
    subscribe: both,
    listNotifications: both,
    markRead: both,
  }),
]);

/** Services that need no token: only the health protocol. */
export const publicServices: ReadonlySet<string> = new Set(["grpc.health.v1.Health"]);

/** The roles that may call `service/method`, or undefined for an unknown method. */
export function allowedRoles(service: string, method: string): readonly Role[] | undefined {
  return rolePolicy.get(service)?.get(method);
}
