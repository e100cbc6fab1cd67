import type { ConnectRouter } from "@connectrpc/connect";
import {
  AccessService,
  AccountService,
  CatalogService,
  InstanceService,
  NotificationService,
  SearchService,
} from "@eddie-marketplace/gen";

/**
 * The client-facing services. Every service of the contracts is registered;
 * a method without an implementation answers UNIMPLEMENTED. The same routes
 * feed the real server and in-memory router transports in tests.
 */
export function apiRoutes() {
  return (router: ConnectRouter) => {
    router.service(AccountService, {});
    router.service(InstanceService, {});
    router.service(CatalogService, {});
    router.service(SearchService, {});
    router.service(AccessService, {});
    router.service(NotificationService, {});
  };
}
