import { randomUUID } from "node:crypto";
import type {
  DataRequest,
  DataRequestInput,
  ServiceOffer,
  ServiceOfferInput,
} from "@eddie-marketplace/gen";
import type { Kysely, Transaction, Updateable } from "kysely";
import {
  ForbiddenError,
  NotFoundError,
  PreconditionError,
  ValidationError,
} from "../api/errors.js";
import type {
  Database,
  DataRequestTable,
  ItemStatusName,
  ServiceOfferTable,
} from "../db/schema.js";
import {
  type DataRequestContent,
  type DataRequestRow,
  dataRequestContent,
  dataRequestFromRow,
  type ServiceOfferContent,
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

type Kind = "data_request" | "service_offer";
interface RowOf {
  data_request: DataRequestRow;
  service_offer: ServiceOfferRow;
}
interface ContentOf {
  data_request: DataRequestContent;
  service_offer: ServiceOfferContent;
}
const what: Record<Kind, string> = { data_request: "data request", service_offer: "service offer" };

function organisationOf(actor: CatalogActor): { id: string; name: string } {
  if (actor.organisation === undefined || actor.organisation.id === "") {
    throw new ForbiddenError("only an eligible party acting for an organisation can do this");
  }
  return actor.organisation;
}

/** Creates a draft of the actor's organisation. */
async function insertDraft<K extends Kind>(
  ctx: CatalogContext,
  kind: K,
  actor: CatalogActor,
  content: ContentOf[K],
): Promise<RowOf[K]> {
  const org = organisationOf(actor);
  const now = ctx.now();
  const row = await ctx.db
    // Both tables share the lifecycle columns; the content is the kind's own.
    .insertInto(kind as "data_request")
    .values({
      ...(content as DataRequestContent),
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
  return row as unknown as RowOf[K];
}

/** One step of an item's life: which states it may start from, and what it changes. */
interface Step<K extends Kind> {
  readonly from: readonly ItemStatusName[];
  /** The past participle shown in the error, e.g. "published". */
  readonly verb: string;
  /** Checks beyond the state, inside the transaction, with the row locked. */
  readonly check?: (trx: Transaction<Database>, row: RowOf[K]) => Promise<void>;
  readonly set: (now: Date) => Updateable<DataRequestTable> | Updateable<ServiceOfferTable>;
}

/**
 * Applies `step` to an item of the actor's organisation in one transaction,
 * with the row locked. Another organisation's item answers NOT_FOUND, exactly
 * like a missing one, so nobody learns what exists; an item in the wrong
 * state answers FAILED_PRECONDITION.
 */
async function change<K extends Kind>(
  ctx: CatalogContext,
  kind: K,
  actor: CatalogActor,
  id: string,
  step: Step<K>,
): Promise<RowOf[K]> {
  const org = organisationOf(actor);
  return ctx.db.transaction().execute(async (trx) => {
    const table = kind as "data_request";
    const row = isUuid(id)
      ? await trx.selectFrom(table).selectAll().where("id", "=", id).forUpdate().executeTakeFirst()
      : undefined;
    if (row === undefined || row.organisation_id !== org.id) {
      throw new NotFoundError(what[kind], id);
    }
    if (!step.from.includes(row.status)) {
      const allowed = step.from.join(" or ");
      const now = row.status === "draft" ? "a draft" : row.status;
      throw new PreconditionError(
        `only a ${allowed} ${what[kind]} can be ${step.verb}; this one is ${now}`,
      );
    }
    await step.check?.(trx, row as unknown as RowOf[K]);
    const updated = await trx
      .updateTable(table)
      .set(step.set(ctx.now()) as Updateable<DataRequestTable>)
      .where("id", "=", row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return updated as unknown as RowOf[K];
  });
}

const edit = <K extends Kind>(content: ContentOf[K], check?: Step<K>["check"]): Step<K> => ({
  from: ["draft"],
  verb: "edited",
  check,
  set: (now) => ({ ...content, updated_at: now }),
});
const publish = <K extends Kind>(check?: Step<K>["check"]): Step<K> => ({
  from: ["draft"],
  verb: "published",
  check,
  set: (now) => ({ status: "published", published_at: now, updated_at: now }),
});
const archive = <K extends Kind>(): Step<K> => ({
  from: ["draft", "published"],
  verb: "archived",
  set: (now) => ({ status: "archived", updated_at: now }),
});

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
  organisationOf(actor);
  const content = dataRequestContent(validateDataRequestInput(input));
  return dataRequestFromRow(await insertDraft(ctx, "data_request", actor, content));
}

/** Replaces the content of a draft data request of the actor's organisation. */
export async function updateDataRequest(
  ctx: CatalogContext,
  actor: CatalogActor,
  id: string,
  input: DataRequestInput | undefined,
): Promise<DataRequest> {
  const content = dataRequestContent(validateDataRequestInput(input));
  return dataRequestFromRow(await change(ctx, "data_request", actor, id, edit(content)));
}

/** Publishes a draft data request: from now on everyone signed in can browse it. */
export async function publishDataRequest(
  ctx: CatalogContext,
  actor: CatalogActor,
  id: string,
): Promise<DataRequest> {
  return dataRequestFromRow(await change(ctx, "data_request", actor, id, publish()));
}

/** Archives a draft or published data request; it stays readable by its organisation. */
export async function archiveDataRequest(
  ctx: CatalogContext,
  actor: CatalogActor,
  id: string,
): Promise<DataRequest> {
  return dataRequestFromRow(await change(ctx, "data_request", actor, id, archive()));
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
  const field = "input.data_request_id";
  if (row === undefined || row.organisation_id !== organisationId) {
    throw new ValidationError([
      { field, description: "not the ID of a data request of your organisation" },
    ]);
  }
  if (row.status === "archived") {
    throw new ValidationError([{ field, description: "that data request is archived" }]);
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
  return serviceOfferFromRow(await insertDraft(ctx, "service_offer", actor, content));
}

/** Replaces the content of a draft service offer of the actor's organisation. */
export async function updateServiceOffer(
  ctx: CatalogContext,
  actor: CatalogActor,
  id: string,
  input: ServiceOfferInput | undefined,
): Promise<ServiceOffer> {
  const content = serviceOfferContent(validateServiceOfferInput(input));
  const step = edit<"service_offer">(content, (trx, row) =>
    checkOfferDataRequest(trx, row.organisation_id, content.data_request_id),
  );
  return serviceOfferFromRow(await change(ctx, "service_offer", actor, id, step));
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
  const step = publish<"service_offer">(async (trx, row) => {
    if (row.data_request_id === null) return;
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
  });
  return serviceOfferFromRow(await change(ctx, "service_offer", actor, id, step));
}

/** Archives a draft or published service offer. */
export async function archiveServiceOffer(
  ctx: CatalogContext,
  actor: CatalogActor,
  id: string,
): Promise<ServiceOffer> {
  return serviceOfferFromRow(await change(ctx, "service_offer", actor, id, archive()));
}

/** One service offer, with the same visibility as {@link getDataRequest}. */
export async function getServiceOffer(
  ctx: CatalogContext,
  actor: CatalogActor,
  id: string,
): Promise<ServiceOffer> {
  return serviceOfferFromRow(await loadVisible(ctx.db, "service_offer", actor, id));
}
