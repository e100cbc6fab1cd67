import type { ServiceImpl } from "@connectrpc/connect";
import type { InstanceService } from "@eddie-marketplace/gen";
import type { Kysely, Transaction } from "kysely";
import { callerOf } from "../auth/principal.js";
import type { Database } from "../db/schema.js";
import {
  claimInstance,
  findOwnInstance,
  type PairingPolicy,
  releaseInstance,
} from "../instances/instance-claiming.js";
import { listInstancesClaimedBy, toInstanceMessage } from "../instances/instance-repository.js";
import type { NodeRegistry } from "../mesh/node-registry.js";

/** What the InstanceService needs. */
export interface InstanceServiceDeps {
  readonly db: Kysely<Database>;
  readonly registry: NodeRegistry;
  /** Tells an attached instance that it was claimed or released (the mesh's `claimChanged`). */
  readonly claimChanged: (instanceId: string, claimed: boolean) => Promise<void>;
  /** Runs inside the release transaction; the access part revokes permissions here. */
  readonly inRelease?: (trx: Transaction<Database>, instanceId: string) => Promise<void>;
  readonly pairing?: PairingPolicy;
}

/**
 * InstanceService: a customer claims the AIIDA instance in their home with its
 * ID and pairing code, lists and releases theirs. The role policy lets only
 * customers in; every lookup is scoped to the caller.
 */
export function instanceService(
  deps: InstanceServiceDeps,
): Partial<ServiceImpl<typeof InstanceService>> {
  return {
    async claimInstance(req, ctx) {
      const me = callerOf(ctx);
      const row = await claimInstance(
        deps.db,
        { subject: me.subject, instanceId: req.instanceId, pairingCode: req.pairingCode },
        new Date(),
        deps.pairing,
      );
      await deps.claimChanged(row.instance_id, true);
      return { instance: toInstanceMessage(row, deps.registry.isOnline(row.instance_id)) };
    },
    async listInstances(_req, ctx) {
      const me = callerOf(ctx);
      const rows = await listInstancesClaimedBy(deps.db, me.subject);
      return {
        instances: rows.map((r) => toInstanceMessage(r, deps.registry.isOnline(r.instance_id))),
      };
    },
    async getInstance(req, ctx) {
      const me = callerOf(ctx);
      const row = await findOwnInstance(deps.db, me.subject, req.instanceId);
      return { instance: toInstanceMessage(row, deps.registry.isOnline(row.instance_id)) };
    },
    async releaseInstance(req, ctx) {
      const me = callerOf(ctx);
      await releaseInstance(
        deps.db,
        { subject: me.subject, instanceId: req.instanceId },
        deps.inRelease,
      );
      await deps.claimChanged(req.instanceId.trim().toLowerCase(), false);
      return {};
    },
  };
}
