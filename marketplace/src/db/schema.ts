import type { ColumnType } from "kysely";

/**
 * The Marketplace's tables, as kysely sees them. One interface per table;
 * each aggregate's repository module reads and writes only its own tables.
 * Migrations in `migrations/` are what actually shape the database; keep
 * these interfaces in step with them.
 */
export interface Database {
  account: AccountTable;
  api_client: ApiClientTable;
  data_request: DataRequestTable;
  service_offer: ServiceOfferTable;
  aiida_instance: AiidaInstanceTable;
  instance_pairing: InstancePairingTable;
  search_run: SearchRunTable;
  permission: PermissionTable;
  permission_instance: PermissionInstanceTable;
  permission_event: PermissionEventTable;
  notification: NotificationTable;
  outbox: OutboxTable;
  signing_key: SigningKeyTable;
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

/** An eligible party's API client (client credentials), mirrored from the IAM. */
export interface ApiClientTable {
  client_id: string;
  organisation_id: string;
  name: string;
  /** The subject of the person who created it. */
  created_by: string;
  created_at: CreatedAt;
  /** Set when revoked; revoked clients are kept for the record. */
  revoked_at: Date | null;
}

/** An AIIDA instance that registered over its node stream; its key is pinned at first sight. */
export interface AiidaInstanceTable {
  instance_id: string;
  /** The Ed25519 public key (JWK JSON) pinned at first registration. */
  public_key_jwk: string;
  /** RFC 7638 thumbprint of the pinned key, compared at every hello. */
  key_thumbprint: string;
  version: string;
  advertised_address: string;
  /** The IP address the stream was last seen from. */
  peer_address: string;
  online: ColumnType<boolean, boolean | undefined, boolean>;
  first_seen: CreatedAt;
  last_seen: CreatedAt;
  /** The instance's reported `Capabilities`, as protobuf JSON. */
  capabilities: ColumnType<unknown, string | undefined, string>;
  /** The customer (token subject) who claimed it; null while unclaimed. */
  claimed_by: string | null;
  claimed_at: Date | null;
}

/** The pairing code an unclaimed instance shows, stored as a hash, and its wrong tries. */
export interface InstancePairingTable {
  instance_id: string;
  code_hash: string | null;
  expires_at: Date | null;
  failed_attempts: ColumnType<number, number | undefined, number>;
  locked_until: Date | null;
}

/** One search of the AIIDA instances for a data request. */
export interface SearchRunTable {
  id: string;
  data_request_id: string;
  organisation_id: string;
  /** The subject of the caller who started it. */
  requested_by: string;
  state: "running" | "completed" | "cancelled";
  asked: number;
  matched: number;
  not_matched: number;
  offline: number;
  timed_out: number;
  skipped_unclaimed: number;
  started_at: CreatedAt;
  deadline: Date;
  finished_at: Date | null;
  access_requested: ColumnType<boolean, boolean | undefined, boolean>;
  /** The instances that answered "match", in the order their answers arrived. */
  matched_instance_ids: ColumnType<string[], string[] | undefined, string[]>;
}

/** Where a catalog item is in its life, as stored. */
export type ItemStatusName = "draft" | "published" | "archived";

/**
 * An eligible party's data request: the AIIDA data need in columns, with the
 * vocabulary as AIIDA writes it (OBIS codes, schema and asset names).
 */
export interface DataRequestTable {
  id: string;
  organisation_id: string;
  organisation_name: string;
  status: ItemStatusName;
  name: string;
  description: string;
  purpose: string;
  policy_link: string;
  /** ISO-8601 periods when the duration is relative, else null. */
  relative_start: string | null;
  relative_end: string | null;
  /** Instants when the duration is absolute, else null. */
  absolute_start: Date | null;
  absolute_end: Date | null;
  transmission_schedule: string;
  schemas: string[];
  asset: string;
  data_tags: string[];
  countries: string[];
  delivery_endpoint: string;
  created_at: Date;
  updated_at: Date;
  published_at: Date | null;
  /** Full-text search vector, generated from name, purpose and description. */
  search: ColumnType<string, never, never>;
}

/** An eligible party's service offer to households. */
export interface ServiceOfferTable {
  id: string;
  organisation_id: string;
  organisation_name: string;
  status: ItemStatusName;
  name: string;
  description: string;
  /** The ServiceCategory's name without prefix, e.g. "FLEXIBILITY". */
  category: string;
  countries: string[];
  link: string;
  data_tags: string[];
  data_request_id: string | null;
  created_at: Date;
  updated_at: Date;
  published_at: Date | null;
  /** Full-text search vector, generated from name and description. */
  search: ColumnType<string, never, never>;
}

/** The states of a permission, as stored. */
export type PermissionStateName =
  | "requested"
  | "approved"
  | "rejected"
  | "expired"
  | "configuring"
  | "active"
  | "revoked"
  | "terminated"
  | "fulfilled"
  | "failed";

/** One customer's permission for one data request (the access request while requested). */
export interface PermissionTable {
  id: string;
  state: PermissionStateName;
  customer_subject: string;
  organisation_id: string;
  organisation_name: string;
  data_request_id: string;
  /** The data request as it stood when access was asked, as protobuf JSON. */
  data_request: ColumnType<unknown, string, string>;
  search_run_id: string;
  requested_at: Date;
  expires_at: Date;
  start_at: Date | null;
  end_at: Date | null;
  reason: ColumnType<string, string | undefined, string>;
  updated_at: Date;
}

/** One instance named by a permission, its delivery state and its signed grant. */
export interface PermissionInstanceTable {
  permission_id: string;
  instance_id: string;
  state: "pending" | "delivering" | "failed" | "stopped";
  detail: ColumnType<string, string | undefined, string>;
  /** The grant JWS for this instance; set on approval. */
  grant: string | null;
  updated_at: Date;
}

/** One stored state change of a permission: the audit trail. */
export interface PermissionEventTable {
  permission_id: string;
  sequence: number;
  from_state: PermissionStateName | null;
  to_state: PermissionStateName;
  actor: string;
  reason: string;
  at: Date;
}

/** A notification in a person's (or an organisation's) inbox. */
export interface NotificationTable {
  id: ColumnType<number, never, never>;
  /** "customer:<subject>" or "organisation:<id>". */
  recipient: string;
  kind: string;
  title: string;
  body: string;
  permission_id: string | null;
  instance_id: string | null;
  created_at: CreatedAt;
  read_at: Date | null;
}

/** A message to deliver after the transaction that wrote it commits. */
export interface OutboxTable {
  id: ColumnType<number, never, never>;
  topic: string;
  /** Where it goes, for example an AIIDA instance ID. */
  target: string;
  payload: ColumnType<unknown, string, string>;
  created_at: CreatedAt;
  attempts: ColumnType<number, number | undefined, number>;
  last_attempt_at: Date | null;
  done_at: Date | null;
}

/** A key the Marketplace signs grants with; the public half is in its JWKS. */
export interface SigningKeyTable {
  kid: string;
  private_jwk: string;
  public_jwk: string;
  created_at: CreatedAt;
  retired_at: Date | null;
}
