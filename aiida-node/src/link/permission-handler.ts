import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  ConfigurePermission,
  PermissionStatusSchema,
  StopPermission,
} from "@eddie-marketplace/gen";
import type { InstanceSources } from "../sources/instance-sources.js";

/**
 * The seam between the link to the Marketplace and data delivery. The link
 * receives `configure_permission` and `stop_permission` on its stream and
 * hands them to the handler; the handler verifies grants, runs deliveries
 * to the eligible parties' receivers, and reports back through the context.
 * The link owns the stream: it sends the acknowledgement the handler's
 * decision describes and every status the handler reports, and keeps what it
 * could not send while detached until the next `welcome`.
 *
 * @example
 * link.setPermissionHandler({
 *   async configure(request, context) {
 *     const grant = await verifyGrant(request.grant);          // throws → not accepted
 *     startDelivery(grant, context.sources, (sent) =>
 *       context.reportStatus({ permissionId: request.permissionId,
 *         status: DeliveryStatus.DELIVERING, recordsSent: sent }));
 *     return { accepted: true };
 *   },
 *   async stop(request, context) {
 *     const sent = stopDelivery(request.permissionId);
 *     context.reportStatus({ permissionId: request.permissionId,
 *       status: DeliveryStatus.STOPPED, detail: request.reason, recordsSent: sent });
 *   },
 * });
 */
export interface PermissionHandler {
  /**
   * An approved permission is to be configured. Resolve with the decision;
   * the link sends it as `permission_ack`. A rejection (thrown error) is sent
   * as not accepted with the error's message as the reason. The Marketplace
   * may send the same permission again (after a reconnect, before it saw the
   * ack), so configuring must be idempotent per `permissionId`.
   */
  configure(request: ConfigurePermission, context: PermissionContext): Promise<PermissionDecision>;
  /**
   * Delivery for a permission is to stop (revoked, terminated, or ended).
   * Report the final status with `context.reportStatus`. May arrive for a
   * permission this instance never configured or already stopped.
   */
  stop(request: StopPermission, context: PermissionContext): Promise<void>;
}

/** A handler's answer to a configuration. */
export interface PermissionDecision {
  /** Whether the instance accepted and started delivering. */
  readonly accepted: boolean;
  /** Why not, when not accepted. */
  readonly reason?: string;
}

/** What a handler gets with every message. */
export interface PermissionContext {
  /** This instance's ID (the grant must name it). */
  readonly instanceId: string;
  /** This instance's data sources, to read records from. */
  readonly sources: InstanceSources;
  /**
   * Reports a change in a permission's delivery as `permission_status`. Sent
   * at once while attached; otherwise the latest status per permission is
   * kept and sent after the next `welcome`.
   */
  reportStatus(status: PermissionStatusInit): void;
}

/** The fields of a `permission_status` message. */
export type PermissionStatusInit = MessageInitShape<typeof PermissionStatusSchema>;
