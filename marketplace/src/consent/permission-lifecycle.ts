import { randomUUID } from "node:crypto";
import { fromJson, type JsonValue, toJsonString } from "@bufbuild/protobuf";
import {
  type DataRequest,
  DataRequestSchema,
  DeliveryStatus,
  ItemStatus,
  NotificationKind,
  type Permission,
  type PermissionEvent,
  type PermissionState,
} from "@eddie-marketplace/gen";
import type { Kysely, Transaction } from "kysely";
import { NotFoundError, PreconditionError, Violations } from "../api/errors.js";
import type { Database, PermissionStateName } from "../db/schema.js";
import {
  customerInbox,
  type NewNotification,
  organisationInbox,
  writeNotifications,
} from "../notify/notification-repository.js";
import { enqueue, markDone } from "../notify/outbox.js";
import type { AccessSources } from "./access-sources.js";
import type { GrantSigner } from "./grant-signer.js";
import {
  eventsOf,
  findPermission,
  instancesOf,
  lockPermission,
  type PermissionRow,
  recordTransition,
  stateName,
  toPermissions,
} from "./permission-store.js";
import { sharingWindow } from "./sharing-window.js";

/** The outbox topic of commands for AIIDA instances; the target is the instance ID. */
export const nodeCommandTopic = "aiida.command";

/** A command waiting in the outbox for an AIIDA instance. */
export type NodeCommand =
  | { readonly kind: "configure"; readonly permissionId: string; readonly grant: string }
  | { readonly kind: "stop"; readonly permissionId: string; readonly reason: string };

/** Who changes a permission. */
export type Actor =
  | { readonly kind: "customer"; readonly subject: string }
  | { readonly kind: "eligible-party"; readonly organisationId: string };

/** What the lifecycle is built from. */
export interface LifecycleDeps {
  readonly db: Kysely<Database>;
  readonly signer: GrantSigner;
  readonly sources: AccessSources;
  /** The clock; tests pass their own. */
  readonly now?: () => Date;
  /** Called after every commit that wrote notifications or node commands. */
  readonly afterCommit?: () => void;
}

/** What asking for access did. */
export interface AccessRequested {
  readonly requestsSent: number;
  readonly alreadyRequested: number;
  readonly permissions: Permission[];
}

const stoppable = new Set<PermissionStateName>(["approved", "configuring", "active"]);
const finished = new Set<PermissionStateName>([
  "rejected",
  "expired",
  "revoked",
  "terminated",
  "fulfilled",
  "failed",
]);
const dayMs = 86_400_000;

/**
 * The permission lifecycle, exactly as the design states it:
 * requested → approved | rejected | expired; approved → configuring → active →
 * revoked | terminated | fulfilled; configuring → failed. Every change is one
 * transaction that also stores the audit event, the notifications it causes
 * and the commands for the instances (the outbox), so a crash loses nothing
 * and delivers nothing that did not happen.
 */
export class PermissionLifecycle {
  private readonly db: Kysely<Database>;
  private readonly now: () => Date;

  constructor(private readonly deps: LifecycleDeps) {
    this.db = deps.db;
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Asks access for a search run's matches: one permission per customer,
   * naming every matching instance of that customer. Idempotent: customers
   * already asked for this data request are counted, not asked again.
   */
  async requestAccess(
    organisation: { id: string; name: string },
    input: { searchRunId: string; expiresInDays: number },
  ): Promise<AccessRequested> {
    const v = new Violations();
    v.check(input.searchRunId !== "", "search_run_id", "name the search run to ask access for");
    v.check(
      Number.isInteger(input.expiresInDays) &&
        input.expiresInDays >= 0 &&
        input.expiresInDays <= 30,
      "expires_in_days",
      "give 1 to 30 days, or 0 for 7",
    );
    v.throwIfAny();
    const days = input.expiresInDays === 0 ? 7 : input.expiresInDays;
    const result = await this.db.transaction().execute(async (tx) => {
      const run = await this.deps.sources.findSearchRun(tx, input.searchRunId);
      if (run === undefined || run.organisationId !== organisation.id) {
        throw new NotFoundError("search run", input.searchRunId);
      }
      if (run.state === "running") {
        throw new PreconditionError("the search is still running; ask access once it completed");
      }
      const dataRequest = await this.deps.sources.findDataRequest(tx, run.dataRequestId);
      if (dataRequest === undefined) throw new NotFoundError("data request", run.dataRequestId);
      if (dataRequest.status === ItemStatus.ARCHIVED) {
        throw new PreconditionError("the data request is archived; access can't be asked for it");
      }
      const owners = await this.deps.sources.ownersOf(tx, run.matchedInstanceIds);
      const byCustomer = new Map<string, string[]>();
      for (const instanceId of run.matchedInstanceIds) {
        const owner = owners.get(instanceId);
        if (owner === undefined) continue;
        byCustomer.set(owner, [...(byCustomer.get(owner) ?? []), instanceId]);
      }
      const now = this.now();
      const expiresAt = new Date(now.getTime() + days * dayMs);
      const name = dataRequest.dataNeed?.name ?? "a data request";
      let sent = 0;
      const notes: NewNotification[] = [];
      for (const [customer, instanceIds] of byCustomer) {
        const id = randomUUID();
        const inserted = await tx
          .insertInto("permission")
          .values({
            id,
            state: "requested",
            customer_subject: customer,
            organisation_id: organisation.id,
            organisation_name: organisation.name,
            data_request_id: run.dataRequestId,
            data_request: toJsonString(DataRequestSchema, dataRequest),
            search_run_id: run.id,
            requested_at: now,
            expires_at: expiresAt,
            updated_at: now,
          })
          .onConflict((oc) => oc.columns(["data_request_id", "customer_subject"]).doNothing())
          .returning("id")
          .executeTakeFirst();
        if (inserted === undefined) continue;
        sent++;
        await tx
          .insertInto("permission_instance")
          .values(
            instanceIds.map((instanceId) => ({
              permission_id: id,
              instance_id: instanceId,
              state: "pending" as const,
              updated_at: now,
            })),
          )
          .execute();
        await tx
          .insertInto("permission_event")
          .values({
            permission_id: id,
            sequence: 1,
            from_state: null,
            to_state: "requested",
            actor: "eligible-party",
            reason: `${organisation.name} asked for access`,
            at: now,
          })
          .execute();
        notes.push({
          recipient: customerInbox(customer),
          kind: NotificationKind.ACCESS_REQUESTED,
          title: `${organisation.name} asks for your meter data`,
          body: `"${name}": ${dataRequest.dataNeed?.purpose ?? ""} Please decide by ${expiresAt.toISOString().slice(0, 10)}.`,
          permissionId: id,
        });
      }
      await writeNotifications(tx, notes);
      await this.deps.sources.markAccessRequested(tx, run.id);
      const customers = [...byCustomer.keys()];
      const rows =
        customers.length === 0
          ? []
          : await tx
              .selectFrom("permission")
              .selectAll()
              .where("data_request_id", "=", run.dataRequestId)
              .where("organisation_id", "=", organisation.id)
              .where("customer_subject", "in", customers)
              .orderBy("requested_at")
              .orderBy("id")
              .execute();
      return {
        requestsSent: sent,
        alreadyRequested: customers.length - sent,
        permissions: await toPermissions(tx, rows, "eligible-party"),
      };
    });
    this.committed();
    return result;
  }

  /** One permission the actor may see, with its audit trail. */
  async get(
    actor: Actor,
    id: string,
  ): Promise<{ permission: Permission; events: PermissionEvent[] }> {
    const row = await findPermission(this.db, id);
    if (row === undefined || !visibleTo(row, actor)) throw new NotFoundError("permission", id);
    const [permission] = await toPermissions(this.db, [row], viewerOf(actor));
    if (permission === undefined) throw new NotFoundError("permission", id);
    return { permission, events: await eventsOf(this.db, id) };
  }

  /** The actor's permissions, most recently changed first, one page at a time. */
  async list(
    actor: Actor,
    query: {
      states: PermissionState[];
      dataRequestId: string;
      pageSize: number;
      pageToken: string;
    },
  ): Promise<{ permissions: Permission[]; nextPageToken: string }> {
    const v = new Violations();
    v.check(
      query.pageSize >= 0 && query.pageSize <= 100,
      "page_size",
      "give 1 to 100, or 0 for 20",
    );
    const states = query.states.map((s) => stateName(s));
    v.check(
      states.every((s) => s !== undefined),
      "states",
      "use only named permission states",
    );
    const cursor = query.pageToken === "" ? undefined : readCursor(query.pageToken);
    v.check(cursor !== null, "page_token", "pass the next_page_token of the previous page");
    v.throwIfAny();
    const limit = query.pageSize === 0 ? 20 : query.pageSize;
    let q = this.db.selectFrom("permission").selectAll();
    q =
      actor.kind === "customer"
        ? q.where("customer_subject", "=", actor.subject)
        : q.where("organisation_id", "=", actor.organisationId);
    const names = states.filter((s) => s !== undefined);
    if (names.length > 0) q = q.where("state", "in", names);
    if (query.dataRequestId !== "") q = q.where("data_request_id", "=", query.dataRequestId);
    if (cursor) {
      q = q.where((eb) =>
        eb.or([
          eb("updated_at", "<", cursor.at),
          eb.and([eb("updated_at", "=", cursor.at), eb("id", "<", cursor.id)]),
        ]),
      );
    }
    const rows = await q
      .orderBy("updated_at", "desc")
      .orderBy("id", "desc")
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      permissions: await toPermissions(this.db, page, viewerOf(actor)),
      nextPageToken:
        rows.length > limit && last !== undefined ? writeCursor(last.updated_at, last.id) : "",
    };
  }

  /**
   * The customer approves: fixes the sharing window, signs one grant per
   * instance and queues it for the instance. A request past its expiry is
   * expired instead and the approval refused.
   */
  async approve(customer: string, id: string): Promise<Permission> {
    return this.decide(customer, id, "approved", async (tx, row, now) => {
      const dataRequest = dataRequestOf(row);
      const window = sharingWindow(dataRequest.dataNeed?.duration, now);
      if (window === undefined) {
        throw new PreconditionError(
          "the data request's duration can't be read; it can't be approved",
        );
      }
      if (window.end <= now) {
        throw new PreconditionError("the data request's sharing period has already ended");
      }
      const named = (await instancesOf(tx, [row.id])).get(row.id) ?? [];
      // Only instances the customer still holds get a grant; one released
      // since the request is not theirs to share any more.
      const owners = await this.deps.sources.ownersOf(
        tx,
        named.map((i) => i.instance_id),
      );
      const instances = named.filter((i) => owners.get(i.instance_id) === row.customer_subject);
      if (instances.length === 0) {
        throw new PreconditionError(
          "none of the instances this request names is yours any more; it can't be approved",
        );
      }
      for (const gone of named.filter((i) => !instances.includes(i))) {
        await setInstance(
          tx,
          row.id,
          gone.instance_id,
          "failed",
          "no longer claimed by the customer",
          now,
        );
      }
      const need = dataRequest.dataNeed;
      for (const instance of instances) {
        const grant = await this.deps.signer.sign(
          {
            permissionId: row.id,
            instanceId: instance.instance_id,
            organisationId: row.organisation_id,
            organisationName: row.organisation_name,
            dataRequestId: row.data_request_id,
            dataTags: need?.dataTags ?? [],
            schemas: need?.schemas ?? [],
            asset: need?.asset ?? 0,
            transmissionSchedule: need?.transmissionSchedule ?? "",
            deliveryEndpoint: dataRequest.deliveryEndpoint,
            start: window.start,
            end: window.end,
          },
          now,
        );
        await tx
          .updateTable("permission_instance")
          .set({ grant, state: "pending", detail: "", updated_at: now })
          .where("permission_id", "=", row.id)
          .where("instance_id", "=", instance.instance_id)
          .execute();
        await enqueue(tx, nodeCommandTopic, instance.instance_id, {
          kind: "configure",
          permissionId: row.id,
          grant,
        } satisfies NodeCommand);
      }
      const updated = await recordTransition(tx, row, "approved", {
        actor: "customer",
        reason: "approved by the customer",
        at: now,
        set: { start_at: window.start, end_at: window.end },
      });
      await writeNotifications(tx, [
        {
          recipient: organisationInbox(row.organisation_id),
          kind: NotificationKind.PERMISSION_APPROVED,
          title: `A household approved "${need?.name ?? "your data request"}"`,
          body: `Access is being configured at ${instances.length} AIIDA instance${instances.length === 1 ? "" : "s"}; data will follow.`,
          permissionId: row.id,
        },
      ]);
      return updated;
    });
  }

  /** The customer rejects a requested permission, optionally saying why. */
  async reject(customer: string, id: string, reason: string): Promise<Permission> {
    checkReason(reason);
    return this.decide(customer, id, "rejected", async (tx, row, now) => {
      const updated = await recordTransition(tx, row, "rejected", {
        actor: "customer",
        reason: reason === "" ? "rejected by the customer" : reason,
        at: now,
      });
      await writeNotifications(tx, [
        {
          recipient: organisationInbox(row.organisation_id),
          kind: NotificationKind.PERMISSION_REJECTED,
          title: `A household declined "${dataRequestOf(row).dataNeed?.name ?? "your data request"}"`,
          body: reason === "" ? "No reason was given." : `Their reason: ${reason}`,
          permissionId: row.id,
        },
      ]);
      return updated;
    });
  }

  /** The customer revokes; the instances are told to stop. */
  async revoke(customer: string, id: string, reason: string): Promise<Permission> {
    checkReason(reason);
    return this.end({ kind: "customer", subject: customer }, id, "revoked", reason);
  }

  /** The eligible party terminates; the instances are told to stop. */
  async terminate(organisationId: string, id: string, reason: string): Promise<Permission> {
    checkReason(reason);
    return this.end({ kind: "eligible-party", organisationId }, id, "terminated", reason);
  }

  /**
   * Expires requests nobody answered in time, and fulfils permissions whose
   * sharing period ended. Returns how many changed.
   */
  async sweep(): Promise<{ expired: number; fulfilled: number }> {
    const now = this.now();
    const due = await this.db
      .selectFrom("permission")
      .select(["id", "state"])
      .where((eb) =>
        eb.or([
          eb.and([eb("state", "=", "requested"), eb("expires_at", "<=", now)]),
          eb.and([eb("state", "in", [...stoppable]), eb("end_at", "<=", now)]),
        ]),
      )
      .limit(500)
      .execute();
    let expired = 0;
    let fulfilled = 0;
    for (const { id } of due) {
      const changed = await this.db.transaction().execute(async (tx) => {
        const row = await lockPermission(tx, id);
        if (row === undefined) return undefined;
        if (row.state === "requested" && row.expires_at <= now) {
          await this.expire(tx, row, now);
          return "expired";
        }
        if (stoppable.has(row.state) && row.end_at !== null && row.end_at <= now) {
          await this.fulfil(tx, row, now, "marketplace", "the sharing period ended");
          return "fulfilled";
        }
        return undefined;
      });
      if (changed === "expired") expired++;
      if (changed === "fulfilled") fulfilled++;
    }
    if (expired + fulfilled > 0) this.committed();
    // Delivered commands are kept a week for inspection, then dropped.
    await this.db
      .deleteFrom("outbox")
      .where("done_at", "<", new Date(now.getTime() - 7 * dayMs))
      .execute();
    return { expired, fulfilled };
  }

  /**
   * The customer released an instance (inside the release transaction): it
   * stops delivering for every permission naming it, and a permission left
   * with no delivering instance is revoked, telling the eligible party.
   * Commands and notifications go out when the caller's transaction commits
   * (call {@link PermissionLifecycle.wake} after it).
   */
  async instanceReleased(tx: Transaction<Database>, instanceId: string): Promise<void> {
    const now = this.now();
    const named = await tx
      .selectFrom("permission_instance")
      .select("permission_id")
      .where("instance_id", "=", instanceId)
      .execute();
    for (const { permission_id } of named) {
      const row = await lockPermission(tx, permission_id);
      if (row === undefined || !stoppable.has(row.state)) continue;
      await markDone(
        tx,
        nodeCommandTopic,
        instanceId,
        (p) => isCommand(p, "configure", row.id),
        now,
      );
      await enqueue(tx, nodeCommandTopic, instanceId, {
        kind: "stop",
        permissionId: row.id,
        reason: "the customer released the instance",
      } satisfies NodeCommand);
      await setInstance(tx, row.id, instanceId, "stopped", "released by the customer", now);
      const all = (await instancesOf(tx, [row.id])).get(row.id) ?? [];
      if (all.some((i) => i.state === "pending" || i.state === "delivering")) continue;
      await recordTransition(tx, row, "revoked", {
        actor: "customer",
        reason: "the customer released the instance",
        at: now,
      });
      await writeNotifications(tx, [
        {
          recipient: organisationInbox(row.organisation_id),
          kind: NotificationKind.PERMISSION_REVOKED,
          title: `A household stopped sharing for "${dataRequestOf(row).dataNeed?.name ?? "a data request"}"`,
          body: "The household released its AIIDA instance; delivery stops within seconds.",
          permissionId: row.id,
          instanceId,
        },
      ]);
    }
  }

  /** Delivers what a transaction of someone else's wrote (after it committed). */
  wake(): void {
    this.committed();
  }

  /** The grant was written to the instance's stream: approved → configuring. */
  async grantSent(permissionId: string, instanceId: string): Promise<void> {
    const changed = await this.db.transaction().execute(async (tx) => {
      const row = await lockPermission(tx, permissionId);
      if (row?.state !== "approved") return false;
      await recordTransition(tx, row, "configuring", {
        actor: "marketplace",
        reason: `grant sent to instance ${instanceId}`,
        at: this.now(),
      });
      return true;
    });
    if (changed) this.committed();
  }

  /** An instance answered a configuration. */
  async acknowledged(
    instanceId: string,
    ack: { permissionId: string; accepted: boolean; reason: string },
  ): Promise<void> {
    await this.fromInstance(instanceId, ack.permissionId, async (tx, row, now) => {
      await markDone(
        tx,
        nodeCommandTopic,
        instanceId,
        (p) => isCommand(p, "configure", row.id),
        now,
      );
      if (ack.accepted) return this.delivering(tx, row, instanceId, now);
      return this.instanceFailed(tx, row, instanceId, ack.reason || "refused by the instance", now);
    });
  }

  /** An instance reported a change in its delivery. */
  async statusReported(
    instanceId: string,
    status: { permissionId: string; status: DeliveryStatus; detail: string },
  ): Promise<void> {
    await this.fromInstance(instanceId, status.permissionId, async (tx, row, now) => {
      switch (status.status) {
        case DeliveryStatus.DELIVERING:
          return this.delivering(tx, row, instanceId, now);
        case DeliveryStatus.FAILED:
          return this.instanceFailed(tx, row, instanceId, status.detail || "delivery failed", now);
        case DeliveryStatus.STOPPED:
        case DeliveryStatus.FULFILLED: {
          await markDone(
            tx,
            nodeCommandTopic,
            instanceId,
            (p) => isCommand(p, "stop", row.id),
            now,
          );
          await setInstance(tx, row.id, instanceId, "stopped", status.detail, now);
          if (status.status === DeliveryStatus.FULFILLED && stoppable.has(row.state)) {
            const all = (await instancesOf(tx, [row.id])).get(row.id) ?? [];
            if (all.every((i) => i.state === "stopped" || i.state === "failed")) {
              await this.fulfil(tx, row, now, `instance:${instanceId}`, "the sharing period ended");
            }
          }
          return;
        }
        default:
          return;
      }
    });
  }

  private async decide(
    customer: string,
    id: string,
    to: "approved" | "rejected",
    change: (tx: Transaction<Database>, row: PermissionRow, now: Date) => Promise<PermissionRow>,
  ): Promise<Permission> {
    const now = this.now();
    const outcome = await this.db.transaction().execute(async (tx) => {
      const row = await lockPermission(tx, id);
      if (row === undefined || row.customer_subject !== customer) {
        throw new NotFoundError("permission", id);
      }
      if (row.state === "requested" && row.expires_at <= now) {
        await this.expire(tx, row, now);
        return { expired: true as const };
      }
      if (row.state !== "requested") {
        throw new PreconditionError(
          `the permission is ${row.state}; only a requested permission can be ${to}`,
        );
      }
      const updated = await change(tx, row, now);
      return { expired: false as const, permission: await this.one(tx, updated, "customer") };
    });
    this.committed();
    if (outcome.expired) {
      throw new PreconditionError(`the request expired unanswered; it can't be ${to} any more`);
    }
    return outcome.permission;
  }

  private async end(
    actor: Actor,
    id: string,
    to: "revoked" | "terminated",
    reason: string,
  ): Promise<Permission> {
    const now = this.now();
    const permission = await this.db.transaction().execute(async (tx) => {
      const row = await lockPermission(tx, id);
      if (row === undefined || !visibleTo(row, actor)) throw new NotFoundError("permission", id);
      if (!stoppable.has(row.state)) {
        throw new PreconditionError(
          `the permission is ${row.state}; only an approved, configuring or active permission can be ${to}`,
        );
      }
      const by = actor.kind === "customer" ? "the customer" : row.organisation_name;
      const updated = await recordTransition(tx, row, to, {
        actor: actor.kind,
        reason: reason === "" ? `${to} by ${by}` : reason,
        at: now,
      });
      await this.stopInstances(tx, row.id, reason === "" ? `${to} by ${by}` : reason, now);
      const name = dataRequestOf(row).dataNeed?.name ?? "a data request";
      await writeNotifications(tx, [
        to === "revoked"
          ? {
              recipient: organisationInbox(row.organisation_id),
              kind: NotificationKind.PERMISSION_REVOKED,
              title: `A household revoked access for "${name}"`,
              body: reason === "" ? "Delivery stops within seconds." : `Their reason: ${reason}`,
              permissionId: row.id,
            }
          : {
              recipient: customerInbox(row.customer_subject),
              kind: NotificationKind.PERMISSION_TERMINATED,
              title: `${row.organisation_name} ended its access to your data`,
              body:
                reason === ""
                  ? `"${name}" no longer receives your data.`
                  : `Their reason: ${reason}`,
              permissionId: row.id,
            },
      ]);
      return this.one(tx, updated, actor.kind === "customer" ? "customer" : "eligible-party");
    });
    this.committed();
    return permission;
  }

  private async expire(tx: Transaction<Database>, row: PermissionRow, now: Date): Promise<void> {
    await recordTransition(tx, row, "expired", {
      actor: "marketplace",
      reason: "nobody decided before the request expired",
      at: now,
    });
    const name = dataRequestOf(row).dataNeed?.name ?? "a data request";
    await writeNotifications(tx, [
      {
        recipient: customerInbox(row.customer_subject),
        kind: NotificationKind.PERMISSION_EXPIRED,
        title: `The request of ${row.organisation_name} expired`,
        body: `"${name}" was not answered in time; nothing is shared.`,
        permissionId: row.id,
      },
      {
        recipient: organisationInbox(row.organisation_id),
        kind: NotificationKind.PERMISSION_EXPIRED,
        title: `A request for "${name}" expired unanswered`,
        body: "The household did not decide in time.",
        permissionId: row.id,
      },
    ]);
  }

  private async fulfil(
    tx: Transaction<Database>,
    row: PermissionRow,
    now: Date,
    actor: string,
    reason: string,
  ): Promise<void> {
    await recordTransition(tx, row, "fulfilled", { actor, reason, at: now });
    await this.stopInstances(tx, row.id, reason, now);
    const name = dataRequestOf(row).dataNeed?.name ?? "a data request";
    await writeNotifications(tx, [
      {
        recipient: customerInbox(row.customer_subject),
        kind: NotificationKind.PERMISSION_FULFILLED,
        title: `Sharing with ${row.organisation_name} has ended`,
        body: `"${name}" reached the end of its duration.`,
        permissionId: row.id,
      },
      {
        recipient: organisationInbox(row.organisation_id),
        kind: NotificationKind.PERMISSION_FULFILLED,
        title: `A permission for "${name}" is fulfilled`,
        body: "Its duration ended; delivery stopped.",
        permissionId: row.id,
      },
    ]);
  }

  private async stopInstances(
    tx: Transaction<Database>,
    permissionId: string,
    reason: string,
    now: Date,
  ): Promise<void> {
    const instances = (await instancesOf(tx, [permissionId])).get(permissionId) ?? [];
    for (const instance of instances) {
      // A grant still waiting in the outbox is never sent now.
      await markDone(
        tx,
        nodeCommandTopic,
        instance.instance_id,
        (p) => isCommand(p, "configure", permissionId),
        now,
      );
      if (instance.state === "stopped" || instance.state === "failed") continue;
      await enqueue(tx, nodeCommandTopic, instance.instance_id, {
        kind: "stop",
        permissionId,
        reason,
      } satisfies NodeCommand);
    }
  }

  private async fromInstance(
    instanceId: string,
    permissionId: string,
    change: (tx: Transaction<Database>, row: PermissionRow, now: Date) => Promise<void>,
  ): Promise<void> {
    const now = this.now();
    await this.db.transaction().execute(async (tx) => {
      const row = await lockPermission(tx, permissionId);
      if (row === undefined) return;
      const named = await tx
        .selectFrom("permission_instance")
        .select("instance_id")
        .where("permission_id", "=", permissionId)
        .where("instance_id", "=", instanceId)
        .executeTakeFirst();
      // An instance speaks only for permissions that name it.
      if (named === undefined) return;
      await change(tx, row, now);
    });
    this.committed();
  }

  private async delivering(
    tx: Transaction<Database>,
    row: PermissionRow,
    instanceId: string,
    now: Date,
  ): Promise<void> {
    if (finished.has(row.state) || row.state === "requested") {
      // The instance delivers for a permission that ended (it was offline
      // when it ended, or the messages crossed): tell it again to stop.
      await enqueue(tx, nodeCommandTopic, instanceId, {
        kind: "stop",
        permissionId: row.id,
        reason: `the permission is ${row.state}`,
      } satisfies NodeCommand);
      return;
    }
    await setInstance(tx, row.id, instanceId, "delivering", "", now);
    if (row.state === "approved" || row.state === "configuring") {
      await recordTransition(tx, row, "active", {
        actor: `instance:${instanceId}`,
        reason: "the instance confirmed the grant and delivers data",
        at: now,
      });
      const name = dataRequestOf(row).dataNeed?.name ?? "a data request";
      await writeNotifications(tx, [
        {
          recipient: customerInbox(row.customer_subject),
          kind: NotificationKind.PERMISSION_ACTIVE,
          title: `Your data now flows to ${row.organisation_name}`,
          body: `Your AIIDA instance delivers for "${name}". You can revoke at any time.`,
          permissionId: row.id,
          instanceId,
        },
        {
          recipient: organisationInbox(row.organisation_id),
          kind: NotificationKind.PERMISSION_ACTIVE,
          title: `Data flows for "${name}"`,
          body: "An AIIDA instance confirmed the grant and delivers to your receiver.",
          permissionId: row.id,
          instanceId,
        },
      ]);
    }
  }

  private async instanceFailed(
    tx: Transaction<Database>,
    row: PermissionRow,
    instanceId: string,
    detail: string,
    now: Date,
  ): Promise<void> {
    await setInstance(tx, row.id, instanceId, "failed", detail, now);
    if (row.state !== "approved" && row.state !== "configuring") return;
    const all = (await instancesOf(tx, [row.id])).get(row.id) ?? [];
    if (!all.every((i) => i.state === "failed")) return;
    await recordTransition(tx, row, "failed", {
      actor: `instance:${instanceId}`,
      reason: `instance ${instanceId}: ${detail}`,
      at: now,
    });
    const name = dataRequestOf(row).dataNeed?.name ?? "a data request";
    await writeNotifications(tx, [
      {
        recipient: customerInbox(row.customer_subject),
        kind: NotificationKind.PERMISSION_FAILED,
        title: `Sharing with ${row.organisation_name} could not start`,
        body: `Your AIIDA instance could not set up "${name}": ${detail}`,
        permissionId: row.id,
        instanceId,
      },
      {
        recipient: organisationInbox(row.organisation_id),
        kind: NotificationKind.PERMISSION_FAILED,
        title: `Access for "${name}" failed`,
        body: `The AIIDA instance could not be configured: ${detail}`,
        permissionId: row.id,
        instanceId,
      },
    ]);
  }

  private async one(
    tx: Transaction<Database>,
    row: PermissionRow,
    viewer: "customer" | "eligible-party",
  ): Promise<Permission> {
    const [permission] = await toPermissions(tx, [row], viewer);
    if (permission === undefined) throw new NotFoundError("permission", row.id);
    return permission;
  }

  private committed(): void {
    this.deps.afterCommit?.();
  }
}

async function setInstance(
  tx: Transaction<Database>,
  permissionId: string,
  instanceId: string,
  state: "pending" | "delivering" | "failed" | "stopped",
  detail: string,
  now: Date,
): Promise<void> {
  await tx
    .updateTable("permission_instance")
    .set({ state, detail, updated_at: now })
    .where("permission_id", "=", permissionId)
    .where("instance_id", "=", instanceId)
    .execute();
}

function isCommand(payload: unknown, kind: NodeCommand["kind"], permissionId: string): boolean {
  const p = payload as Partial<NodeCommand> | null;
  return p?.kind === kind && p.permissionId === permissionId;
}

function visibleTo(row: PermissionRow, actor: Actor): boolean {
  return actor.kind === "customer"
    ? row.customer_subject === actor.subject
    : row.organisation_id === actor.organisationId;
}

function viewerOf(actor: Actor): "customer" | "eligible-party" {
  return actor.kind;
}

function checkReason(reason: string): void {
  const v = new Violations();
  v.check(reason.length <= 500, "reason", "keep the reason to 500 characters or fewer");
  v.throwIfAny();
}

function dataRequestOf(row: PermissionRow): DataRequest {
  return fromJson(DataRequestSchema, row.data_request as JsonValue, { ignoreUnknownFields: true });
}

function writeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString("base64url");
}

function readCursor(token: string): { at: Date; id: string } | null {
  try {
    const [at, id] = JSON.parse(Buffer.from(token, "base64url").toString()) as [string, string];
    const date = new Date(at);
    if (typeof id !== "string" || Number.isNaN(date.getTime())) return null;
    return { at: date, id };
  } catch {
    return null;
  }
}
