import { type Kysely, sql, type Transaction } from "kysely";
import type { Principal } from "../auth/principal.js";
import { Role } from "../auth/principal.js";
import type { AccountTable, ApiClientTable, Database } from "../db/schema.js";

type Db = Kysely<Database> | Transaction<Database>;

/** An account row as read. */
export type AccountRow = {
  [K in keyof AccountTable]: K extends "created_at" | "updated_at" ? Date : AccountTable[K];
};

/** An API client row as read. */
export type ApiClientRow = {
  [K in keyof ApiClientTable]: K extends "created_at" ? Date : ApiClientTable[K];
};

function roleColumn(role: Role): AccountTable["role"] {
  return role === Role.CUSTOMER
    ? "customer"
    : role === Role.ELIGIBLE_PARTY
      ? "eligible_party"
      : "unspecified";
}

/**
 * Makes sure the caller has an account row and that its role, organisation
 * and e-mail follow the latest token; the display name is the caller's own
 * and is set only when the row is made.
 */
export async function upsertAccount(db: Db, p: Principal): Promise<AccountRow> {
  const fromToken = {
    role: roleColumn(p.role),
    organisation_id: p.organisation?.id ?? null,
    organisation_name: p.organisation?.name ?? null,
    email: p.email ?? null,
  };
  return db
    .insertInto("account")
    .values({
      subject: p.subject,
      display_name: (p.name ?? p.email ?? p.subject).slice(0, 100),
      ...fromToken,
    })
    .onConflict((oc) =>
      oc.column("subject").doUpdateSet({ ...fromToken, updated_at: sql<Date>`now()` }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Sets the display name of an existing account. */
export async function setDisplayName(db: Db, subject: string, name: string): Promise<AccountRow> {
  return db
    .updateTable("account")
    .set({ display_name: name, updated_at: sql<Date>`now()` })
    .where("subject", "=", subject)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Records a new API client of an organisation. */
export async function insertApiClient(
  db: Db,
  row: Pick<ApiClientTable, "client_id" | "organisation_id" | "name" | "created_by">,
): Promise<ApiClientRow> {
  return db
    .insertInto("api_client")
    .values({ ...row, revoked_at: null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The organisation's API clients that are not revoked, newest first. */
export async function listActiveApiClients(
  db: Db,
  organisationId: string,
): Promise<ApiClientRow[]> {
  return db
    .selectFrom("api_client")
    .selectAll()
    .where("organisation_id", "=", organisationId)
    .where("revoked_at", "is", null)
    .orderBy("created_at", "desc")
    .orderBy("client_id", "desc")
    .execute();
}

/** The organisation's active API client with this id, or undefined (also for others' clients). */
export async function findActiveApiClient(
  db: Db,
  organisationId: string,
  clientId: string,
): Promise<ApiClientRow | undefined> {
  return db
    .selectFrom("api_client")
    .selectAll()
    .where("client_id", "=", clientId)
    .where("organisation_id", "=", organisationId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
}

/** Marks an API client revoked; true when it was active. */
export async function markApiClientRevoked(db: Db, clientId: string, at: Date): Promise<boolean> {
  const r = await db
    .updateTable("api_client")
    .set({ revoked_at: at })
    .where("client_id", "=", clientId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** True when this client id was revoked here (its already-issued tokens are refused). */
export async function isApiClientRevoked(db: Db, clientId: string): Promise<boolean> {
  const row = await db
    .selectFrom("api_client")
    .select("revoked_at")
    .where("client_id", "=", clientId)
    .executeTakeFirst();
  return row?.revoked_at != null;
}
