import { type Kysely, Migrator, sql } from "kysely";
import type { Database } from "../db/schema.js";
import type { IamTables } from "./iam-schema.js";
import { iamMigrations } from "./migrations/index.js";

/** The IAM's view of the database: its own tables only. */
export type IamDb = Kysely<IamTables>;

/**
 * Narrows a Marketplace database handle to the IAM's tables. The IAM opens
 * the database with the same code (PostgreSQL or embedded) but reads and
 * writes only the `iam` schema.
 */
export function iamDb(db: Kysely<Database>): IamDb {
  return db.withTables<IamTables>() as unknown as IamDb;
}

/** Applies the IAM's migrations, tracked in `iam.iam_migration`. */
export async function migrateIam(db: IamDb): Promise<void> {
  await sql`create schema if not exists iam`.execute(db);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => iamMigrations },
    migrationTableSchema: "iam",
    // Own names too: kysely looks for its table by name in every schema, so a
    // shared "kysely_migration" would confuse the Marketplace's migrator.
    migrationTableName: "iam_migration",
    migrationLockTableName: "iam_migration_lock",
  });
  const result = await migrator.migrateToLatest();
  if (result.error !== undefined) throw result.error;
}
