import type { DataRequest } from "@eddie-marketplace/gen";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../db/schema.js";

type Db = Kysely<Database> | Transaction<Database>;

/** A stored search run, as asking for access needs it. */
export interface SearchRunForAccess {
  readonly id: string;
  readonly dataRequestId: string;
  readonly organisationId: string;
  readonly state: "running" | "completed" | "cancelled";
  readonly matchedInstanceIds: readonly string[];
}

/**
 * What consent reads from the other aggregates: search runs and their
 * matches, the data requests of the catalog, and who claimed which instance.
 * Each takes the caller's transaction.
 */
export interface AccessSources {
  findSearchRun(db: Db, id: string): Promise<SearchRunForAccess | undefined>;
  findDataRequest(db: Db, id: string): Promise<DataRequest | undefined>;
  /** The customer (token subject) who claimed each instance; unclaimed ones are absent. */
  ownersOf(db: Db, instanceIds: readonly string[]): Promise<Map<string, string>>;
  /** Notes on the run that access was asked for its matches. */
  markAccessRequested(db: Db, searchRunId: string): Promise<void>;
}

/**
 * Reads search runs (with their matches) and claims from their tables, and data requests
 * through the catalog's lookup.
 */
export function databaseAccessSources(
  findDataRequest: (db: Db, id: string) => Promise<DataRequest | undefined>,
): AccessSources {
  return {
    findDataRequest,
    async findSearchRun(db, id) {
      const run = await db
        .selectFrom("search_run")
        .select(["id", "data_request_id", "organisation_id", "state", "matched_instance_ids"])
        .where("id", "=", id)
        .executeTakeFirst();
      if (run === undefined) return undefined;
      return {
        id: run.id,
        dataRequestId: run.data_request_id,
        organisationId: run.organisation_id,
        state: run.state,
        matchedInstanceIds: run.matched_instance_ids,
      };
    },
    async ownersOf(db, instanceIds) {
      const owners = new Map<string, string>();
      if (instanceIds.length === 0) return owners;
      const rows = await db
        .selectFrom("aiida_instance")
        .select(["instance_id", "claimed_by"])
        .where("instance_id", "in", [...instanceIds])
        .where("claimed_by", "is not", null)
        .execute();
      for (const r of rows) if (r.claimed_by !== null) owners.set(r.instance_id, r.claimed_by);
      return owners;
    },
    async markAccessRequested(db, searchRunId) {
      await db
        .updateTable("search_run")
        .set({ access_requested: true })
        .where("id", "=", searchRunId)
        .execute();
    },
  };
}
