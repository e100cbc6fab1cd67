import { join } from "node:path";
import {
  type ConfigurePermission,
  DeliveryStatus,
  type StopPermission,
} from "@eddie-marketplace/gen";
import {
  decodeVerifiedGrant,
  GRANT_JWKS_PATH,
  type GrantClaims,
  GrantError,
  verifyGrant,
} from "@eddie-marketplace/sdk/grant";
import type { Logger } from "@eddie-marketplace/sdk/log";
import { describeObis } from "@eddie-marketplace/sdk/vocabulary";
import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";
import type {
  PermissionContext,
  PermissionDecision,
  PermissionHandler,
  PermissionStatusInit,
} from "../link/permission-handler.js";
import type { InstanceSources } from "../sources/instance-sources.js";
import { PermissionBook } from "./permission-book.js";
import {
  type DeliveryEnd,
  PermissionDelivery,
  planSources,
  type SourcePlan,
} from "./permission-delivery.js";

/** What an instance's deliveries are built from. */
export interface DeliveryManagerOptions {
  /** The instance's ID; grants for any other instance are refused. */
  readonly instanceId: string;
  /** The Marketplace's grant keys (its JWKS). */
  readonly keys: JWTVerifyGetKey;
  /** The file the instance keeps its permissions in. */
  readonly bookFile: string;
  /** The instance's data sources (read at every tick, so updates apply). */
  readonly sources: () => InstanceSources;
  readonly log: Logger;
}

/**
 * The JWKS URL of the Marketplace whose node listener is `target`
 * ("host:port"), assuming its client-facing port is `httpPort`.
 */
export function marketplaceJwksUrl(target: string, httpPort = 8080): URL {
  const host = target.replace(/^[a-z]+:\/\//, "").replace(/:\d+$/, "");
  return new URL(GRANT_JWKS_PATH, `http://${host}:${httpPort}`);
}

/** The Marketplace's grant keys, fetched from its JWKS URL and cached. */
export function remoteGrantKeys(jwksUrl: URL): JWTVerifyGetKey {
  return createRemoteJWKSet(jwksUrl, { cooldownDuration: 5_000 });
}

/** Where an instance keeps its permissions, inside the node's state folder. */
export function bookFileOf(stateDir: string, instanceId: string): string {
  return join(stateDir, "deliveries", `${instanceId}.json`);
}

/**
 * Delivers data for an instance's permissions: the link's permission handler.
 * A configuration is accepted only when its grant verifies against the
 * Marketplace's JWKS, names this instance, and every granted measurement has
 * an enabled source; then records flow to the eligible party's receiver on
 * the granted schedule until the end of the period. A stop ends delivery at
 * once. Active permissions are kept on disk, so after a restart exactly those
 * resume and stopped ones never come back.
 *
 * @example
 * const deliveries = await DeliveryManager.open({ instanceId, keys, bookFile,
 *   sources: () => instance.sources, log });
 * instance.link.setPermissionHandler(deliveries);
 * deliveries.resume(instance.link.permissionContext);
 */
export class DeliveryManager implements PermissionHandler {
  private readonly running = new Map<string, PermissionDelivery>();
  /** Where statuses go: the link's context, from `resume` or the first message. */
  private context: PermissionContext | undefined;

  private constructor(
    private readonly options: DeliveryManagerOptions,
    private readonly book: PermissionBook,
  ) {}

  /** Opens the instance's permission book. */
  static async open(options: DeliveryManagerOptions): Promise<DeliveryManager> {
    return new DeliveryManager(options, await PermissionBook.open(options.bookFile));
  }

  /** The permissions being delivered now. */
  get activePermissionIds(): string[] {
    return [...this.running.keys()];
  }

  /** Records acknowledged by the receiver for a permission, so far. */
  recordsSent(permissionId: string): number {
    return this.book.get(permissionId)?.recordsSent ?? 0;
  }

  /**
   * Restarts the deliveries kept on disk, and reports them as delivering so
   * the Marketplace can tell the instance to stop any it ended meanwhile.
   * Pass the link's `permissionContext`: it reports before the Marketplace
   * sent any permission message (sent after the next `welcome`), and so do
   * the resumed deliveries when they end or fail.
   */
  resume(context: PermissionContext): void {
    this.context = context;
    for (const [permissionId, entry] of this.book.active()) {
      if (this.running.has(permissionId)) continue;
      let claims: GrantClaims;
      try {
        claims = decodeVerifiedGrant(entry.grant);
      } catch (err) {
        this.options.log.warn("a kept permission can't be read; dropping it", {
          permission_id: permissionId,
          err,
        });
        void this.book.end(permissionId);
        continue;
      }
      const planned = planSources(claims, this.options.sources());
      if ("missing" in planned) {
        void this.finished(permissionId, {
          kind: "refused",
          detail: `no enabled data source yields ${describeObis(planned.missing).code}`,
        });
        continue;
      }
      this.launch(claims, planned.plan);
      context.reportStatus({
        permissionId,
        status: DeliveryStatus.DELIVERING,
        detail: "resumed after a restart",
        recordsSent: BigInt(entry.recordsSent),
      });
    }
  }

  async configure(
    request: ConfigurePermission,
    context: PermissionContext,
  ): Promise<PermissionDecision> {
    this.context = context;
    const { permissionId } = request;
    if (this.book.hasEnded(permissionId)) {
      return { accepted: false, reason: "this permission was stopped and can't be restarted" };
    }
    let claims: GrantClaims;
    try {
      claims = await verifyGrant(request.grant, this.options.keys, {
        instanceId: this.options.instanceId,
      });
    } catch (err) {
      const reason = err instanceof GrantError ? err.message : "the grant could not be checked";
      this.options.log.warn("refused a grant", { permission_id: permissionId, reason });
      return { accepted: false, reason };
    }
    if (claims.permissionId !== permissionId) {
      return { accepted: false, reason: "the grant is for another permission" };
    }
    if (this.running.has(permissionId)) return { accepted: true };
    const planned = planSources(claims, context.sources);
    if ("missing" in planned) {
      return {
        accepted: false,
        reason: `no enabled data source yields ${describeObis(planned.missing).code}`,
      };
    }
    if (claims.end.getTime() <= Date.now()) {
      return { accepted: false, reason: "the grant's period has already ended" };
    }
    if (this.book.get(permissionId) === undefined) {
      await this.book.add(permissionId, {
        grant: request.grant,
        sentUntil: claims.start.getTime(),
        recordsSent: 0,
      });
    }
    this.launch(claims, planned.plan);
    this.options.log.info("delivering", {
      permission_id: permissionId,
      endpoint: claims.deliveryEndpoint,
      schedule: claims.transmissionSchedule,
      until: claims.end.toISOString(),
    });
    return { accepted: true };
  }

  async stop(request: StopPermission, context: PermissionContext): Promise<void> {
    this.context = context;
    const { permissionId } = request;
    const delivery = this.running.get(permissionId);
    delivery?.stop();
    this.running.delete(permissionId);
    const recordsSent = this.book.get(permissionId)?.recordsSent ?? 0;
    await this.book.end(permissionId);
    this.options.log.info("delivery stopped", {
      permission_id: permissionId,
      reason: request.reason,
    });
    context.reportStatus({
      permissionId,
      status: DeliveryStatus.STOPPED,
      detail: delivery === undefined ? "no delivery was running" : request.reason,
      recordsSent: BigInt(recordsSent),
    });
  }

  /** Stops every delivery without ending the permissions (the instance shuts down). */
  async close(): Promise<void> {
    for (const delivery of this.running.values()) delivery.stop();
    this.running.clear();
    await this.book.save();
  }

  private launch(claims: GrantClaims, plan: SourcePlan): void {
    const entry = this.book.get(claims.permissionId);
    if (entry === undefined) return;
    const delivery = new PermissionDelivery(
      claims,
      entry,
      plan,
      this.options.sources,
      {
        progress: () => void this.book.save(),
        ended: (end) => void this.finished(claims.permissionId, end),
      },
      this.options.log,
    );
    this.running.set(claims.permissionId, delivery);
    delivery.start();
  }

  private async finished(permissionId: string, end: DeliveryEnd): Promise<void> {
    this.running.delete(permissionId);
    const recordsSent = this.book.get(permissionId)?.recordsSent ?? 0;
    await this.book.end(permissionId);
    this.report({
      permissionId,
      status: end.kind === "fulfilled" ? DeliveryStatus.FULFILLED : DeliveryStatus.FAILED,
      detail: end.kind === "fulfilled" ? "the granted period ended" : end.detail,
      recordsSent: BigInt(recordsSent),
    });
  }

  private report(status: PermissionStatusInit): void {
    this.context?.reportStatus(status);
  }
}
