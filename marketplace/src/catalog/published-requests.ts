import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { findDataRequest, type StoredDataRequest } from "./repository.js";

/** How many published requests are kept by default (a few MB at most). */
const defaultKept = 1_000;

/**
 * Data requests read through a small in-memory copy of the published ones.
 * A published request never changes again (only drafts are edited; see
 * `lifecycle.ts`), so a kept copy stays true until the request is archived.
 * Whoever must not act on an archived request checks the status where it
 * writes, and calls `forget` when it finds one; the search does both, in the
 * statement that stores its run. Drafts and archived requests are read from
 * the database every time.
 *
 * @example
 * const requests = new PublishedRequests(db);
 * const stored = await requests.find(id); // the database only the first time
 */
export class PublishedRequests {
  private readonly kept = new Map<string, StoredDataRequest>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly max = defaultKept,
  ) {}

  /** The data request with this ID in any status, or undefined. */
  async find(id: string): Promise<StoredDataRequest | undefined> {
    const kept = this.kept.get(id);
    if (kept !== undefined) return kept;
    const found = await findDataRequest(this.db, id);
    if (found?.status === "published") {
      // The oldest kept request goes first (a Map iterates in insertion order).
      if (this.kept.size >= this.max) this.kept.delete(this.kept.keys().next().value as string);
      this.kept.set(id, found);
    }
    return found;
  }

  /** Drops the kept copy of a request found archived. */
  forget(id: string): void {
    this.kept.delete(id);
  }
}
