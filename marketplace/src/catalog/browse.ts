import { create, toBinary } from "@bufbuild/protobuf";
import {
  type CatalogFilter,
  CatalogFilterSchema,
  type DataRequest,
  type ServiceOffer,
  SortOrder,
} from "@eddie-marketplace/gen";
import { type RawBuilder, sql } from "kysely";
import type { CatalogActor, CatalogContext } from "./lifecycle.js";
import { browseDigest, decodePageToken, encodePageToken } from "./page-token.js";
import {
  type DataRequestRow,
  dataRequestFromRow,
  type ServiceOfferRow,
  serviceOfferFromRow,
  statusNameOf,
} from "./repository.js";
import { validateBrowse } from "./validation.js";
import { assetNameOf, categoryNameOf, obisCodeOf, schemaNameOf } from "./vocabulary-codes.js";

/** What a browse asks for: the fields of ListDataRequestsRequest / ListServiceOffersRequest. */
export interface BrowseRequest {
  readonly filter?: CatalogFilter | undefined;
  readonly sort: SortOrder;
  /** 1 to 100; 0 means the default of 20. */
  readonly pageSize: number;
  /** Empty for the first page. */
  readonly pageToken: string;
}

/** One page of a browse. */
export interface BrowsePage<T> {
  readonly items: T[];
  /** Empty on the last page. */
  readonly nextPageToken: string;
}

/** The default page size. */
export const defaultPageSize = 20;

const dataRequestColumns = sql.raw(
  "id, organisation_id, organisation_name, status, name, description, purpose, policy_link, " +
    "relative_start, relative_end, absolute_start, absolute_end, transmission_schedule, schemas, " +
    "asset, data_tags, countries, delivery_endpoint, created_at, updated_at, published_at",
);
const serviceOfferColumns = sql.raw(
  "id, organisation_id, organisation_name, status, name, description, category, countries, link, " +
    "data_tags, data_request_id, created_at, updated_at, published_at",
);

/**
 * Browses data requests: published ones for everyone, or with `filter.mine`
 * the caller organisation's own in any status. Newest first (by publication
 * time; own items by creation time) or, with a text filter, by relevance.
 *
 * @example
 * const page = await listDataRequests(ctx, me, { filter: { countries: ["AT"] }, sort: SortOrder.NEWEST, pageSize: 20, pageToken: "" });
 */
export async function listDataRequests(
  ctx: CatalogContext,
  actor: CatalogActor,
  request: BrowseRequest,
): Promise<BrowsePage<DataRequest>> {
  const page = await browse<DataRequestRow>(ctx, actor, request, "data_request");
  return { items: page.items.map(dataRequestFromRow), nextPageToken: page.nextPageToken };
}

/** Browses service offers, like {@link listDataRequests}. */
export async function listServiceOffers(
  ctx: CatalogContext,
  actor: CatalogActor,
  request: BrowseRequest,
): Promise<BrowsePage<ServiceOffer>> {
  const page = await browse<ServiceOfferRow>(ctx, actor, request, "service_offer");
  return { items: page.items.map(serviceOfferFromRow), nextPageToken: page.nextPageToken };
}

type Row = { id: string; created_at: Date; published_at: Date | null; rank?: number };

/** Escapes LIKE wildcards so the user's text matches literally. */
function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function textArray(values: readonly string[]): RawBuilder<unknown> {
  return sql`${values as string[]}::text[]`;
}

/** A browse turned into SQL, before it runs. */
export interface BrowseQuery<R> {
  /** The query; it fetches one row more than the page to know whether another follows. */
  readonly query: RawBuilder<R>;
  readonly pageSize: number;
  /** The next page token for a page ending in `last`. */
  nextPageToken(last: R): string;
}

/**
 * Checks a browse and builds its SQL without running it: for
 * {@link listDataRequests} and {@link listServiceOffers}, and for tools that
 * show the query plans (`EXPLAIN`) of real browses.
 */
export function browseQuery<K extends "data_request" | "service_offer">(
  actor: CatalogActor,
  request: BrowseRequest,
  kind: K,
): BrowseQuery<K extends "data_request" ? DataRequestRow : ServiceOfferRow> {
  return buildBrowse(actor, request, kind) as unknown as BrowseQuery<
    K extends "data_request" ? DataRequestRow : ServiceOfferRow
  >;
}

async function browse<R extends Row>(
  ctx: CatalogContext,
  actor: CatalogActor,
  request: BrowseRequest,
  kind: "data_request" | "service_offer",
): Promise<BrowsePage<R>> {
  const built = buildBrowse<R>(actor, request, kind);
  const result = await built.query.execute(ctx.db);
  const items = result.rows.slice(0, built.pageSize);
  const last = items[items.length - 1];
  const nextPageToken =
    result.rows.length > built.pageSize && last !== undefined ? built.nextPageToken(last) : "";
  return { items, nextPageToken };
}

function buildBrowse<R extends Row>(
  actor: CatalogActor,
  request: BrowseRequest,
  kind: "data_request" | "service_offer",
): BrowseQuery<R> {
  const filter = request.filter ?? create(CatalogFilterSchema);
  validateBrowse(filter, request.pageSize, actor.organisation !== undefined);
  const pageSize = request.pageSize === 0 ? defaultPageSize : request.pageSize;
  const text = filter.text.trim();
  const byRank = request.sort === SortOrder.RELEVANCE && text !== "";
  const mine = filter.mine ? (actor.organisation?.id ?? "") : undefined;
  const digest = browseDigest([
    kind,
    toBinary(CatalogFilterSchema, filter),
    byRank ? "relevance" : "newest",
    mine ?? "",
  ]);
  const cursor = decodePageToken(request.pageToken, digest, byRank);
  const isRequest = kind === "data_request";

  const where: RawBuilder<unknown>[] = [];
  if (mine !== undefined) {
    where.push(sql`organisation_id = ${mine}`);
    const status = statusNameOf(filter.status);
    if (status !== undefined) where.push(sql`status = ${status}`);
  } else {
    // A literal, not a parameter, so the planner can use the partial indexes.
    where.push(sql`status = 'published'`);
  }
  if (filter.organisationId !== "") where.push(sql`organisation_id = ${filter.organisationId}`);
  if (filter.countries.length > 0) where.push(sql`countries && ${textArray(filter.countries)}`);
  if (filter.dataTags.length > 0) {
    const codes = filter.dataTags.map((t) => obisCodeOf(t) ?? "");
    where.push(sql`data_tags && ${textArray(codes)}`);
  }
  if (isRequest) {
    if (filter.asset !== 0) where.push(sql`asset = ${assetNameOf(filter.asset) ?? ""}`);
    if (filter.schemas.length > 0) {
      const names = filter.schemas.map((s) => schemaNameOf(s) ?? "");
      where.push(sql`schemas && ${textArray(names)}`);
    }
    if (filter.purpose.trim() !== "") {
      where.push(sql`purpose ilike ${likeContains(filter.purpose.trim())}`);
    }
  } else if (filter.category !== 0) {
    where.push(sql`category = ${categoryNameOf(filter.category) ?? ""}`);
  }
  const tsquery = sql`websearch_to_tsquery('simple', ${text})`;
  if (text !== "") where.push(sql`search @@ ${tsquery}`);
  const at = sql.ref(mine !== undefined ? "created_at" : "published_at");
  const rank = sql`ts_rank(search, ${tsquery})`;
  if (cursor !== undefined) {
    const after = sql`${new Date(cursor.at)}::timestamptz, ${cursor.id}::uuid`;
    where.push(
      byRank
        ? sql`(${rank}, ${at}, id) < (${cursor.rank}::real, ${after})`
        : sql`(${at}, id) < (${after})`,
    );
  }

  const query = sql<R>`
    select ${isRequest ? dataRequestColumns : serviceOfferColumns}${byRank ? sql`, ${rank} as rank` : sql``}
    from ${sql.table(kind)}
    where ${sql.join(where, sql` and `)}
    order by ${byRank ? sql`rank desc, ` : sql``}${at} desc, id desc
    limit ${pageSize + 1}`;
  return {
    query,
    pageSize,
    nextPageToken: (last) =>
      encodePageToken(digest, {
        at: (mine !== undefined
          ? last.created_at
          : (last.published_at ?? last.created_at)
        ).getTime(),
        id: last.id,
        rank: byRank ? Number(last.rank) : undefined,
      }),
  };
}
