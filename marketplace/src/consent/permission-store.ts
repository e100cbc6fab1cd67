import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  DataRequestSchema,
  InstanceDeliveryState,
  type Permission,
  type PermissionEvent,
  PermissionEventSchema,
  PermissionSchema,
  PermissionState,
} from "@eddie-marketplace/gen";
import type { Kysely, Selectable, Transaction } from "kysely";
import type {
  Database,
  PermissionInstanceTable,
  PermissionStateName,
  PermissionTable,
} from "../db/schema.js";

/** A stored permission row. */
export type PermissionRow = Selectable<PermissionTable>;
/** A stored instance-of-a-permission row. */
export type PermissionInstanceRow = Selectable<PermissionInstanceTable>;
type Db = Kysely<Database> | Transaction<Database>;

const stateNames: Record<PermissionStateName, PermissionState> = {
  requested: PermissionState.REQUESTED,
  approved: PermissionState.APPROVED,
  rejected: PermissionState.REJECTED,
  expired: PermissionState.EXPIRED,
  configuring: PermissionState.CONFIGURING,
  active: PermissionState.ACTIVE,
  revoked: PermissionState.REVOKED,
  terminated: PermissionState.TERMINATED,
  fulfilled: PermissionState.FULFILLED,
  failed: PermissionState.FAILED,
};

/** The contract's enum for a stored state. */
export function stateOf(name: PermissionStateName): PermissionState {
  return stateNames[name];
}

/** The stored name of a contract state, or undefined for UNSPECIFIED. */
export function stateName(state: PermissionState): PermissionStateName | undefined {
  for (const [name, value] of Object.entries(stateNames)) {
    if (value === state) return name as PermissionStateName;
  }
  return undefined;
}

const deliveryStates: Record<PermissionInstanceRow["state"], InstanceDeliveryState> = {
  pending: InstanceDeliveryState.PENDING,
  delivering: InstanceDeliveryState.DELIVERING,
  failed: InstanceDeliveryState.FAILED,
  stopped: InstanceDeliveryState.STOPPED,
};

/** Loads a permission row, locking it for the rest of the transaction. */
export async function lockPermission(
  tx: Transaction<Database>,
  id: string,
): Promise<PermissionRow | undefined> {
  return tx
    .selectFrom("permission")
    .selectAll()
    .where("id", "=", id)
    .forUpdate()
    .executeTakeFirst();
}

/** Loads a permission row. */
export async function findPermission(db: Db, id: string): Promise<PermissionRow | undefined> {
  return db.selectFrom("permission").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The instances of permissions, by permission ID. */
export async function instancesOf(
  db: Db,
  permissionIds: readonly string[],
): Promise<Map<string, PermissionInstanceRow[]>> {
  const byPermission = new Map<string, PermissionInstanceRow[]>();
  if (permissionIds.length === 0) return byPermission;
  const rows = await db
    .selectFrom("permission_instance")
    .selectAll()
    .where("permission_id", "in", [...permissionIds])
    .orderBy("instance_id")
    .execute();
  for (const row of rows) {
    const list = byPermission.get(row.permission_id) ?? [];
    list.push(row);
    byPermission.set(row.permission_id, list);
  }
  return byPermission;
}

/** Records a state change: updates the row and appends to the audit trail. */
export async function recordTransition(
  tx: Transaction<Database>,
  row: PermissionRow,
  to: PermissionStateName,
  change: { actor: string; reason: string; at: Date; set?: Partial<PermissionRow> },
): Promise<PermissionRow> {
  const seq = await tx
    .selectFrom("permission_event")
    .select((eb) => eb.fn.max("sequence").as("max"))
    .where("permission_id", "=", row.id)
    .executeTakeFirst();
  await tx
    .insertInto("permission_event")
    .values({
      permission_id: row.id,
      sequence: Number(seq?.max ?? 0) + 1,
      from_state: row.state,
      to_state: to,
      actor: change.actor,
      reason: change.reason,
      at: change.at,
    })
    .execute();
  const set = {
    ...change.set,
    state: to,
    updated_at: change.at,
    reason: change.reason,
  };
  const { data_request: _ignored, ...writable } = set;
  await tx.updateTable("permission").set(writable).where("id", "=", row.id).execute();
  return { ...row, ...writable };
}

/** The audit trail of a permission, oldest first. */
export async function eventsOf(db: Db, permissionId: string): Promise<PermissionEvent[]> {
  const rows = await db
    .selectFrom("permission_event")
    .selectAll()
    .where("permission_id", "=", permissionId)
    .orderBy("sequence")
    .execute();
  return rows.map((r) =>
    create(PermissionEventSchema, {
      sequence: BigInt(r.sequence),
      fromState: r.from_state === null ? PermissionState.UNSPECIFIED : stateOf(r.from_state),
      toState: stateOf(r.to_state),
      actor: r.actor,
      reason: r.reason,
      at: timestampFromDate(r.at),
    }),
  );
}

/** The display names of customers, by subject. */
export async function customerNames(
  db: Db,
  subjects: readonly string[],
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (subjects.length === 0) return names;
  const rows = await db
    .selectFrom("account")
    .select(["subject", "display_name"])
    .where("subject", "in", [...new Set(subjects)])
    .execute();
  for (const r of rows) names.set(r.subject, r.display_name);
  return names;
}

const nameShownFrom = new Set<PermissionStateName>([
  "approved",
  "configuring",
  "active",
  "revoked",
  "terminated",
  "fulfilled",
  "failed",
]);

/**
 * Permissions as the contract's messages. The customer's name is shown to
 * the eligible party only once the customer approved.
 */
export async function toPermissions(
  db: Db,
  rows: readonly PermissionRow[],
  viewer: "customer" | "eligible-party",
): Promise<Permission[]> {
  const instances = await instancesOf(
    db,
    rows.map((r) => r.id),
  );
  const names = await customerNames(
    db,
    rows.map((r) => r.customer_subject),
  );
  return rows.map((row) =>
    create(PermissionSchema, {
      id: row.id,
      state: stateOf(row.state),
      dataRequest: fromJson(DataRequestSchema, row.data_request as JsonValue, {
        ignoreUnknownFields: true,
      }),
      organisation: { id: row.organisation_id, name: row.organisation_name },
      customerName:
        viewer === "customer" || nameShownFrom.has(row.state)
          ? (names.get(row.customer_subject) ?? "")
          : "",
      instances: (instances.get(row.id) ?? []).map((i) => ({
        instanceId: i.instance_id,
        state: deliveryStates[i.state],
        detail: i.detail,
      })),
      searchRunId: row.search_run_id,
      requestedAt: timestampFromDate(row.requested_at),
      expiresAt: timestampFromDate(row.expires_at),
      start: row.start_at === null ? undefined : timestampFromDate(row.start_at),
      end: row.end_at === null ? undefined : timestampFromDate(row.end_at),
      reason: row.reason,
      updatedAt: timestampFromDate(row.updated_at),
    }),
  );
}
