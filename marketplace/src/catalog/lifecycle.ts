import { randomUUID } from "node:crypto";
import type {
  DataRequest,
  DataRequestInput,
  ServiceOffer,
  ServiceOfferInput,
} from "@eddie-marketplace/gen";
import type { Kysely, Transaction } from "kysely";
import {
  ForbiddenError,
  NotFoundError,
  PreconditionError,
  ValidationError,
} from "../api/errors.js";
import type { Database, ItemStatusName } from "../db/schema.js";
import {
  type DataRequestRow,
  dataRequestContent,
  dataRequestFromRow,
  type ServiceOfferRow,
  serviceOfferContent,
  serviceOfferFromRow,
} from "./repository.js";
import { isUuid, validateDataRequestInput, validateServiceOfferInput } from "./validation.js";

/**
 * Who acts on the catalog: an eligible party acts for its organisation; a
 * caller without one (a customer) only reads what is published. The
 * authentication layer's `Principal` fits this shape.
 */
export interface CatalogActor {
  readonly organisation?: { readonly id: string; readonly name: string } | undefined;
}

/** What the catalog's domain functions work with. */
export interface CatalogContext {
  readonly db: Kysely<Database>;
  /** The clock; stored times have millisecond precision, as page tokens do. */
  readonly now: () => Date;
}

function organisationOf(actor: CatalogActor): { id: string; name: string } {
  if (actor.organisation === undefined || actor.organisation.id === "") {
    throw new ForbiddenError("only an eligible party acting for an organisation can do this");
  }
  return actor.organisation;
}

type Kind = "data_request" | "service_offer";
interface RowOf {
  data_request: DataRequestRow;
  service_offer: ServiceOfferRow;
}
const what: Record<Kind, string> = { data_request: "data request", service_offer: "service offer" };

/**
 * Loads an item of the actor's organisation, locked for the rest of the
 * transaction. Another organisation's item answers NOT_FOUND, exactly like
 * a missing one, so nobody learns what exists.
 */
async function lockOwned<K extends Kind>(
  trx: Transaction<Database>,
  kind: K,
  actor: CatalogActor,
  id: string,
): Promise<RowOf[K]> {
  const org = organisationOf(actor);
  const row = isUuid(id)
    ? await trx
        .selectFrom(kind as Kind)
        .selectAll()
        .where("id", "=", id)
        .forUpdate()
        .executeTakeFirst()
    : undefined;
  if (row === undefined || row.organisation_id !== org.id) throw new NotFoundError(what[kind], id);
  return row as unknown as RowOf[K];
}

function requireStatus(
  kind: Kind,
  status: ItemStatusName,
  allowed: ItemStatusName[],
  verb: string,
) {
  if (!allowed.includes(status)) {
    const which = allowed.length === 1 ? `only a ${allowed[0]}` : `only a ${allowed.join(" or ")}`;
    throw new PreconditionError(
      `${which} ${what[kind]} can be ${verb}; this one is ${status === "draft" ? "a draft" : status}`,
    );
  }
}

/** Loads an item the actor may see: published, or its own in any status. */
async function loadVisible<K extends Kind>(
  db: Kysely<Database>,
  kind: K,
  actor: CatalogActor,
  id: string,
): Promise<RowOf[K]> {
  const row = isUuid(id)
    ? await db
        .selectFrom(kind as Kind)
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst()
    : undefined;
  const own = row !== undefined && row.organisation_id === actor.organisation?.id;
  if (row === undefined || (row.status !== "published" && !own)) {
    throw new NotFoundError(what[kind], id);
  }
  return row as unknown as RowOf[K];
}

/** Creates a draft data request for the actor's organisation. */
export async function createDataRequest(
  ctx: CatalogContext,
  actor: CatalogActor,
  input: DataRequestInput | undefined,
): Promise<DataRequest> {
  const org = organisationOf(actor);
  const content = dataRequestContent(validateDataRequestInput(input));
  const now = ctx.now();
  const row = await ctx.db
    .insertInto("data_request")
    .values({
      ...content,
      id: randomUUID(),
      organisation_id: org.id,
      organisation_name: org.name,
      status: "draft",
      created_at: now,
      updated_at: now,
      published_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return dataRequestFromRow(row);
}

/** Replaces the content of a draft data request of the actor's organisation. */
export async function updateDataRequest(
  ctx: CatalogContext,
  actor: CatalogActor,
  id: string,
  input: DataRequestInput | undefined,
): Promise<DataRequest> {
  const content = dataRequestContent(validateDataRequestInput(input));
  return ctx.db.transaction().execute(async (trx) => {
    const row = await lockOwned(trx, "data_request", actor, id);
    requireStatus("data_request", row.status, ["draft"], "edited");
    const updated = await trx
      .updateTable("data_request")
      .set({ ...content, updated_at: ctx.now() })
      .where("id", "=", row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return dataRequestFromRow(updated);
  });
}

/** Publishes a draft data request: from now on everyone signed in can browse it. */
export async function publishDataRequest(
  ctx: CatalogContext,
  actor: CatalogActor,
  id: string,
): Promise<DataRequest> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await lockOwned(trx, "data_request", actor, id);
    requireStatus("data_request", row.status, ["draft"], "published");
    const now = ctx.now();
    const updated = await trx
      .updateTable("data_request")
      .set({ status: "published", published_at: now, updated_at: now })
      .where("id", "=", row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return dataRequestFromRow(updated);
  });
}

/** Archives a draft or published data request; it stays readable by its organisation. */
export async function archiveDataRequest(
  ctx: CatalogContext,
  actor: CatalogActor,
  id: string,
): Promise<DataRequest> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await lockOwned(trx, "data_request", actor, id);
    requireStatus("data_request", row.status, ["draft", "published"], "archived");
    const now = ctx.now();
    const updated = await trx
      .updateTable("data_request")
      .set({ status: "archived", updated_at: now })
      .where("id", "=", row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return dataRequestFromRow(updated);
  });
}

/** One data request: a published one for anyone, others only for their organisation. */
export async function getDataRequest(
  ctx: CatalogContext,
  actor: CatalogActor,
  id: string,
): Promise<DataRequest> {
  return dataRequestFromRow(await loadVisible(ctx.db, "data_request", actor, id));
}

/**
 * A service offer may name a data request of the same organisation that is
 * not archived; anything else is a field violation, worded so it does not
 * reveal whether another organisation has a request with that ID.
 */
async function checkOfferDataRequest(
  db: Kysely<Database> | Transaction<Database>,
  organisationId: string,
  dataRequestId: string | null | undefined,
): Promise<void> {
  if (dataRequestId === null || dataRequestId === undefined) return;
  const row = await db
    .selectFrom("data_request")
    .select(["organisation_id", "status"])
    .where("id", "=", dataRequestId)
    .executeTakeFirst();
  if (row === undefined || row.organisation_id !== organisationId) {
    throw new ValidationError([
      {
        field: "input.data_request_id",
        description: "not the ID of a data request of your organisation",
      },
    ]);
  }
  if (row.status === "archived") {
    throw new ValidationError([
      { field: "input.data_request_id", description: "that data request is archived" },
    ]);
  }
}

/** Creates a draft service offer for the actor's organisation. */
export async function createServiceOffer(
  ctx: CatalogContext,
  actor: CatalogActor,
  input: ServiceOfferInput | undefined,
): Promise<ServiceOffer> {
  const org = organisationOf(actor);
  const content = serviceOfferContent(validateServiceOfferInput(input));
  await checkOfferDataRequest(ctx.db, org.id, content.data_request_id);
  const now = ctx.now();
  const row = await ctx.db
    .insertInto("service_offer")
    .values({
      ...content,
      id: randomUUID(),
      organisation_id: org.id,
      organisation_name: org.name,
      status: "draft",
      created_at: now,
      updated_at: now,
      published_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return serviceOfferFromRow(row);
}

/** Replaces the content of a draft service offer of the actor's organisation. */
export async function updateServiceOffer(
  ctx: CatalogContext,
  actor: CatalogActor,
  id: string,
  input: ServiceOfferInput | undefined,
): Promise<ServiceOffer> {
  const content = serviceOfferContent(validateServiceOfferInput(input));
  return ctx.db.transaction().execute(async (trx) => {
    const row = await lockOwned(trx, "service_offer", actor, id);
    requireStatus("service_offer", row.status, ["draft"], "edited");
    await checkOfferDataRequest(trx, row.organisation_id, content.data_request_id);
    const updated = await trx
      .updateTable("service_offer")
      .set({ ...content, updated_at: ctx.now() })
      .where("id", "=", row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return serviceOfferFromRow(updated);
  });
}

/**
 * Publishes a draft service offer. An offer that uses a data request can only
 * be published once that request is published, so households never see an
 * offer whose request they cannot look at.
 */
export async function publishServiceOffer(
  ctx: CatalogContext,
  actor: CatalogActor,
  id: string,
): Promise<ServiceOffer> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await lockOwned(trx, "service_offer", actor, id);
    requireStatus("service_offer", row.status, ["draft"], "published");
    if (row.data_request_id !== null) {
      const request = await trx
        .selectFrom("data_request")
        .select("status")
        .where("id", "=", row.data_request_id)
        .executeTakeFirst();
      if (request?.status !== "published") {
        throw new PreconditionError(
          "publish the data request this offer uses first, or remove it from the offer",
        );
      }
    }
    const now = ctx.now();
    const updated = await trx
      .updateTable("service_offer")
      .set({ status: "published", published_at: now, updated_at: now })
      .where("id", "=", row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return serviceOfferFromRow(updated);
  });
}

/** Archives a draft or published service offer. */
export async function archiveServiceOffer(
  ctx: CatalogContext,
  actor: CatalogActor,
  id: string,
): Promise<ServiceOffer> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await lockOwned(trx, "service_offer", actor, id);
    requireStatus("service_offer", row.status, ["draft", "published"], "archived");
    const now = ctx.now();
    const updated = await trx
      .updateTable("service_offer")
      .set({ status: "archived", updated_at: now })
      .where("id", "=", row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return serviceOfferFromRow(updated);
  });
}

/** One service offer, with the same visibility as {@link getDataRequest}. */
export async function getServiceOffer(
  ctx: CatalogContext,
  actor: CatalogActor,
  id: string,
): Promise<ServiceOffer> {
  return serviceOfferFromRow(await loadVisible(ctx.db, "service_offer", actor, id));
}
