import type { ColumnType, Generated } from "kysely";

/**
 * The IAM's tables, all in the `iam` schema so they can live in the same
 * PostgreSQL database as the Marketplace without touching its tables. Kept in
 * step with `migrations/`.
 */
export type IamTables = {
  "iam.organisation": OrganisationTable;
  "iam.account": AccountTable;
  "iam.oidc_payload": OidcPayloadTable;
  "iam.secret": SecretTable;
};

type Timestamp = ColumnType<Date, Date | undefined, Date>;

/** An eligible party's organisation, created with the first account of it. */
export interface OrganisationTable {
  id: string;
  name: string;
  created_at: Timestamp;
}

/** A person who can sign in: customer or eligible party. */
export interface AccountTable {
  id: string;
  /** Lower-cased; unique. */
  email: string;
  /** `scrypt$N$r$p$salt$hash`, see password-hash.ts. */
  password_hash: string;
  role: "customer" | "eligible_party";
  display_name: string;
  organisation_id: string | null;
  created_at: Timestamp;
}

/** Everything oidc-provider stores (sessions, grants, codes, clients...), one row each. */
export interface OidcPayloadTable {
  model: string;
  id: string;
  payload: ColumnType<unknown, string, string>;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  expires_at: Date | null;
  consumed_at: Date | null;
  seq: Generated<number>;
}

/** Key material the IAM makes once and keeps: signing keys, cookie keys. */
export interface SecretTable {
  name: string;
  value: ColumnType<unknown, string, string>;
  created_at: Timestamp;
}
