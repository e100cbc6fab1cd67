import type { Logger } from "@eddie-marketplace/sdk/log";
import type { AiidaInstance } from "../aiida-instance.js";
import {
  bookFileOf,
  DeliveryManager,
  marketplaceJwksUrl,
  remoteGrantKeys,
} from "./delivery-manager.js";

/** Where the Marketplace's grant keys are and where permissions are kept. */
export interface DeliverySettings {
  /** The node's state folder. */
  readonly stateDir: string;
  /** The Marketplace's node listener, "host:port" (or a URL). */
  readonly marketplaceTarget: string;
  /**
   * The Marketplace's JWKS URL; unset: MARKETPLACE_JWKS_URL, else the node
   * listener's host on port 8080 (the client-facing default).
   */
  readonly jwksUrl?: string;
}

/**
 * Makes every instance deliver data for its approved permissions: plugs a
 * {@link DeliveryManager} into each instance's link and resumes the
 * permissions kept from before a restart. Returns a function that stops all
 * deliveries (without ending the permissions) for shutdown.
 *
 * @example
 * const stopDeliveries = await enableDelivery(running.instances,
 *   { stateDir: config.stateDir, marketplaceTarget: config.marketplaceTarget }, log);
 */
export async function enableDelivery(
  instances: readonly AiidaInstance[],
  settings: DeliverySettings,
  log: Logger,
  env: Record<string, string | undefined> = process.env,
): Promise<() => Promise<void>> {
  const url = settings.jwksUrl ?? env.MARKETPLACE_JWKS_URL;
  const jwks = url ? new URL(url) : marketplaceJwksUrl(settings.marketplaceTarget);
  const keys = remoteGrantKeys(jwks);
  const managers: DeliveryManager[] = [];
  for (const instance of instances) {
    const manager = await DeliveryManager.open({
      instanceId: instance.identity.instanceId,
      keys,
      bookFile: bookFileOf(settings.stateDir, instance.identity.instanceId),
      sources: () => instance.sources,
      log: log.child({ instance_id: instance.identity.instanceId, component: "delivery" }),
    });
    instance.link.setPermissionHandler(manager);
    manager.resume(instance.link.permissionContext);
    managers.push(manager);
  }
  return async () => {
    for (const m of managers) await m.close();
  };
}
