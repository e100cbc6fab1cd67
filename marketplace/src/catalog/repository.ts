import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type DataNeed,
  DataNeedSchema,
  type DataRequest,
  type DataRequestInput,
  DataRequestSchema,
  ItemStatus,
  type ServiceOffer,
  type ServiceOfferInput,
  ServiceOfferSchema,
} from "@eddie-marketplace/gen";
import { tryParseObis } from "@eddie-marketplace/sdk/vocabulary";
import type { Insertable, Kysely, Selectable } from "kysely";
import type {
  Database,
  DataRequestTable,
  ItemStatusName,
  ServiceOfferTable,
} from "../db/schema.js";
import { isUuid } from "./validation.js";
import {
  assetNameOf,
  assetOf,
  categoryNameOf,
  categoryOf,
  obisCodeOf,
  schemaNameOf,
  schemaOf,
} from "./vocabulary-codes.js";

/** A stored data request row. */
export type DataRequestRow = Selectable<DataRequestTable>;
/** A stored service offer row. */
export type ServiceOfferRow = Selectable<ServiceOfferTable>;

/** A data request as stored, for the parts that act on it (search, access). */
export interface StoredDataRequest {
  /** The owning organisation's ID, for object checks. */
  readonly organisationId: string;
  /** The request's status as stored. */
  readonly status: ItemStatusName;
  /** The whole request as the contracts describe it. */
  readonly dataRequest: DataRequest;
}

/**
 * Reads one data request in any status, or undefined when there is none with
 * this ID. It does no visibility check: callers decide who may see it (for
 * example, a search may only run on the caller organisation's published
 * requests).
 *
 * @example
 * const stored = await findDataRequest(db, id);
 * if (stored === undefined || stored.organisationId !== me.organisation?.id) throw new NotFoundError("data request", id);
 * const tags = stored.dataRequest.dataNeed?.dataTags;
 */
export async function findDataRequest(
  db: Kysely<Database>,
  id: string,
): Promise<StoredDataRequest | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db
    .selectFrom("data_request")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : {
        organisationId: row.organisation_id,
        status: row.status,
        dataRequest: dataRequestFromRow(row),
      };
}

/** Reads one service offer in any status, or undefined; no visibility check. */
export async function findServiceOffer(
  db: Kysely<Database>,
  id: string,
): Promise<ServiceOfferRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom("service_offer").selectAll().where("id", "=", id).executeTakeFirst();
}

const statusOf: Record<ItemStatusName, ItemStatus> = {
  draft: ItemStatus.DRAFT,
  published: ItemStatus.PUBLISHED,
  archived: ItemStatus.ARCHIVED,
};

/** The stored name of an item status; undefined for UNSPECIFIED. */
export function statusNameOf(status: ItemStatus): ItemStatusName | undefined {
  return (Object.keys(statusOf) as ItemStatusName[]).find((k) => statusOf[k] === status);
}

function defined<T>(values: (T | undefined)[]): T[] {
  return values.filter((v): v is T => v !== undefined);
}

/** The contracts' DataRequest for a stored row. */
export function dataRequestFromRow(row: DataRequestRow): DataRequest {
  const dataNeed: DataNeed = create(DataNeedSchema, {
    name: row.name,
    description: row.description,
    purpose: row.purpose,
    policyLink: row.policy_link,
    duration: {
      kind:
        row.relative_start !== null
          ? { case: "relative", value: { start: row.relative_start, end: row.relative_end ?? "" } }
          : {
              case: "absolute",
              value: {
                start: row.absolute_start ? timestampFromDate(row.absolute_start) : undefined,
                end: row.absolute_end ? timestampFromDate(row.absolute_end) : undefined,
              },
            },
    },
    transmissionSchedule: row.transmission_schedule,
    schemas: defined(row.schemas.map(schemaOf)),
    asset: assetOf(row.asset),
    dataTags: defined(row.data_tags.map(tryParseObis)),
  });
  return create(DataRequestSchema, {
    id: row.id,
    organisation: { id: row.organisation_id, name: row.organisation_name },
    status: statusOf[row.status],
    dataNeed,
    countries: row.countries,
    deliveryEndpoint: row.delivery_endpoint,
    createdAt: timestampFromDate(row.created_at),
    updatedAt: timestampFromDate(row.updated_at),
    publishedAt: row.published_at ? timestampFromDate(row.published_at) : undefined,
  });
}

/** The contracts' ServiceOffer for a stored row. */
export function serviceOfferFromRow(row: ServiceOfferRow): ServiceOffer {
  return create(ServiceOfferSchema, {
    id: row.id,
    organisation: { id: row.organisation_id, name: row.organisation_name },
    status: statusOf[row.status],
    name: row.name,
    description: row.description,
    category: categoryOf(row.category),
    countries: row.countries,
    link: row.link,
    dataTags: defined(row.data_tags.map(tryParseObis)),
    dataRequestId: row.data_request_id ?? "",
    createdAt: timestampFromDate(row.created_at),
    updatedAt: timestampFromDate(row.updated_at),
    publishedAt: row.published_at ? timestampFromDate(row.published_at) : undefined,
  });
}

/** The columns the lifecycle owns; everything else is an item's editable content. */
type LifecycleColumns =
  | "id"
  | "organisation_id"
  | "organisation_name"
  | "status"
  | "created_at"
  | "updated_at"
  | "published_at";

/** The editable columns of a data request, from a validated input. */
export type DataRequestContent = Omit<Insertable<DataRequestTable>, LifecycleColumns>;

/** The editable columns of a service offer, from a validated input. */
export type ServiceOfferContent = Omit<Insertable<ServiceOfferTable>, LifecycleColumns>;

/** Maps a validated DataRequestInput to its columns. */
export function dataRequestContent(
  input: DataRequestInput & { dataNeed: DataNeed },
): DataRequestContent {
  const need = input.dataNeed;
  const kind = need.duration?.kind;
  return {
    name: need.name.trim(),
    description: need.description.trim(),
    purpose: need.purpose.trim(),
    policy_link: need.policyLink,
    relative_start: kind?.case === "relative" ? kind.value.start : null,
    relative_end: kind?.case === "relative" ? kind.value.end : null,
    absolute_start:
      kind?.case === "absolute" && kind.value.start ? timestampDate(kind.value.start) : null,
    absolute_end:
      kind?.case === "absolute" && kind.value.end ? timestampDate(kind.value.end) : null,
    transmission_schedule: need.transmissionSchedule.trim(),
    schemas: defined(need.schemas.map(schemaNameOf)),
    asset: assetNameOf(need.asset) ?? "",
    data_tags: defined(need.dataTags.map(obisCodeOf)),
    countries: [...input.countries],
    delivery_endpoint: input.deliveryEndpoint,
  };
}

/** Maps a validated ServiceOfferInput to its columns. */
export function serviceOfferContent(input: ServiceOfferInput): ServiceOfferContent {
  return {
    name: input.name.trim(),
    description: input.description.trim(),
    category: categoryNameOf(input.category) ?? "",
    countries: [...input.countries],
    link: input.link,
    data_tags: defined(input.dataTags.map(obisCodeOf)),
    data_request_id: input.dataRequestId === "" ? null : input.dataRequestId,
  };
}
