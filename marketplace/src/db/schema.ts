import type { ColumnType } from "kysely";

/**
 * The Marketplace's tables, as kysely sees them. One interface per table;
 * each aggregate's repository module reads and writes only its own tables.
 * Migrations in `migrations/` are what actually shape the database; keep
 * these interfaces in step with them.
 */
export interface Database {
  account: AccountTable;
}

/** A timestamp column written by the database (`now()`) unless given. */
export type CreatedAt = ColumnType<Date, Date | undefined, Date>;

/** The Marketplace's record of a person or API client, keyed by token subject. */
export interface AccountTable {
  subject: string;
  role: "customer" | "eligible_party" | "unspecified";
  organisation_id: string | null;
  organisation_name: string | null;
  display_name: string;
  email: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}
