import { create, fromJson, type JsonValue, toJson } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type Capabilities,
  CapabilitiesSchema,
  type Instance,
  InstanceSchema,
} from "@eddie-marketplace/gen";
import type { Kysely, Selectable } from "kysely";
import type { AiidaInstanceTable, Database } from "../db/schema.js";

/** A stored AIIDA instance row. */
export type InstanceRow = Selectable<AiidaInstanceTable>;

/** What a verified hello tells the repository about an instance. */
export interface Registration {
  readonly instanceId: string;
  readonly publicKeyJwk: string;
  readonly thumbprint: string;
  readonly version: string;
  readonly advertisedAddress: string;
  readonly peerAddress: string;
}

/** The outcome of {@link registerInstance}. */
export type RegistrationOutcome =
  | { readonly accepted: true; readonly firstTime: boolean; readonly claimed: boolean }
  | { readonly accepted: false };

/**
 * Records a hello: a new instance is stored with its key pinned; a known one
 * must present the pinned key (else `accepted: false` and nothing changes),
 * and gets its version, addresses and last-seen time updated and is marked
 * online. One transaction, so two racing hellos for a new ID can't pin two keys.
 */
export async function registerInstance(
  db: Kysely<Database>,
  r: Registration,
  now: Date,
): Promise<RegistrationOutcome> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto("aiida_instance")
      .values({
        instance_id: r.instanceId,
        public_key_jwk: r.publicKeyJwk,
        key_thumbprint: r.thumbprint,
        version: r.version,
        advertised_address: r.advertisedAddress,
        peer_address: r.peerAddress,
        online: true,
        first_seen: now,
        last_seen: now,
      })
      .onConflict((oc) => oc.column("instance_id").doNothing())
      .returning("instance_id")
      .executeTakeFirst();
    if (inserted !== undefined) return { accepted: true, firstTime: true, claimed: false };
    const known = await trx
      .selectFrom("aiida_instance")
      .select(["key_thumbprint", "claimed_by"])
      .where("instance_id", "=", r.instanceId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (known.key_thumbprint !== r.thumbprint) return { accepted: false };
    await trx
      .updateTable("aiida_instance")
      .set({
        version: r.version,
        advertised_address: r.advertisedAddress,
        peer_address: r.peerAddress,
        online: true,
        last_seen: now,
      })
      .where("instance_id", "=", r.instanceId)
      .execute();
    return { accepted: true, firstTime: false, claimed: known.claimed_by !== null };
  });
}

/** Marks an instance offline when its stream ends, remembering when it was last there. */
export async function markInstanceOffline(
  db: Kysely<Database>,
  instanceId: string,
  now: Date,
): Promise<void> {
  await db
    .updateTable("aiida_instance")
    .set({ online: false, last_seen: now })
    .where("instance_id", "=", instanceId)
    .execute();
}

/**
 * Marks every instance offline: at start-up, before any stream is attached,
 * since streams don't survive a restart of the Marketplace.
 */
export async function markAllInstancesOffline(db: Kysely<Database>): Promise<void> {
  await db
    .updateTable("aiida_instance")
    .set({ online: false })
    .where("online", "=", true)
    .execute();
}

/** Stores the data sources an instance reported. */
export async function storeCapabilities(
  db: Kysely<Database>,
  instanceId: string,
  capabilities: Capabilities,
): Promise<void> {
  await db
    .updateTable("aiida_instance")
    .set({ capabilities: JSON.stringify(toJson(CapabilitiesSchema, capabilities)) })
    .where("instance_id", "=", instanceId)
    .execute();
}

/** One instance, or undefined. */
export async function findInstance(
  db: Kysely<Database>,
  instanceId: string,
): Promise<InstanceRow | undefined> {
  return db
    .selectFrom("aiida_instance")
    .selectAll()
    .where("instance_id", "=", instanceId.toLowerCase())
    .executeTakeFirst();
}

/** The instances `subject` claimed, most recently claimed first. */
export async function listInstancesClaimedBy(
  db: Kysely<Database>,
  subject: string,
): Promise<InstanceRow[]> {
  return db
    .selectFrom("aiida_instance")
    .selectAll()
    .where("claimed_by", "=", subject)
    .orderBy("claimed_at", "desc")
    .orderBy("instance_id")
    .execute();
}

/** The data sources stored for an instance. */
export function capabilitiesOf(row: InstanceRow): Capabilities {
  try {
    return fromJson(CapabilitiesSchema, (row.capabilities ?? {}) as JsonValue, {
      ignoreUnknownFields: true,
    });
  } catch {
    return create(CapabilitiesSchema);
  }
}

/** The customer-facing view of an instance row; `online` comes from the live registry. */
export function toInstanceMessage(row: InstanceRow, online: boolean): Instance {
  return create(InstanceSchema, {
    instanceId: row.instance_id,
    version: row.version,
    advertisedAddress: row.advertised_address,
    peerAddress: row.peer_address,
    online,
    firstSeen: timestampFromDate(row.first_seen),
    lastSeen: timestampFromDate(online ? new Date() : row.last_seen),
    claimedAt: row.claimed_at === null ? undefined : timestampFromDate(row.claimed_at),
    dataSources: capabilitiesOf(row).dataSources,
  });
}
