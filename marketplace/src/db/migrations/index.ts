import type { Migration } from "kysely";
import * as accounts from "./2026-11-25-0001-accounts.js";
import * as aiidaInstances from "./2026-11-25-0200-aiida-instances.js";
import * as searchRuns from "./2026-11-25-0201-search-runs.js";
import * as catalog from "./2026-11-25-0400-catalog.js";
import * as accessConsent from "./2026-11-25-0600-access-consent.js";
import * as apiClients from "./2026-11-25-0700-api-clients.js";
import * as searchMatchUnchecked from "./2026-11-25-0800-search-match-unchecked.js";
import * as searchMatchesInRun from "./2026-12-03-0900-search-matches-in-run.js";
import * as searchMatchesUncompressed from "./2026-12-03-1800-search-matches-uncompressed.js";

/**
 * Every migration, by name. Names sort by date, so kysely applies them in the
 * order they were written. Add a new file as `YYYY-MM-DD-NNNN-what.ts` and list
 * it here; never edit one that has shipped.
 */
export const migrations: Record<string, Migration> = {
  "2026-11-25-0001-accounts": accounts,
  "2026-11-25-0200-aiida-instances": aiidaInstances,
  "2026-11-25-0201-search-runs": searchRuns,
  "2026-11-25-0400-catalog": catalog,
  "2026-11-25-0600-access-consent": accessConsent,
  "2026-11-25-0700-api-clients": apiClients,
  "2026-11-25-0800-search-match-unchecked": searchMatchUnchecked,
  "2026-12-03-0900-search-matches-in-run": searchMatchesInRun,
  "2026-12-03-1800-search-matches-uncompressed": searchMatchesUncompressed,
};
