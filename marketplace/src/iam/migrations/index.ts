import type { Migration } from "kysely";
import * as iam from "./2026-11-25-0001-iam.js";

/**
 * The IAM's migrations, kept apart from the Marketplace's (own migration
 * table in the `iam` schema), so both programs can share one PostgreSQL
 * database and still each own their tables.
 */
export const iamMigrations: Record<string, Migration> = {
  "2026-11-25-0001-iam": iam,
};
