import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { Kysely, type MigrationResultSet, Migrator, PostgresDialect } from "kysely";
import { PGliteDialect } from "kysely-pglite-dialect";
import pg from "pg";
import { migrations } from "./migrations/index.js";
import type { Database } from "./schema.js";

/** Where the data lives: a PostgreSQL server, or the embedded PGlite. */
export type DatabaseKind = "postgres" | "embedded";

/** An open database and how to close it. */
export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly kind: DatabaseKind;
  /** Closes every connection; the handle can't be used after. */
  close(): Promise<void>;
}

/** How to open the database. */
export interface DatabaseOptions {
  /** A postgres:// URL; when unset the embedded database is used. */
  readonly url?: string | undefined;
  /** The embedded database's folder; unset keeps it in memory (tests). */
  readonly dataDir?: string | undefined;
  /** Largest pool for PostgreSQL. */
  readonly maxConnections?: number;
}

// timestamptz and bigint read the same on both engines: Date and number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/**
 * Opens the database: PostgreSQL through `pg` when `url` is set, otherwise the
 * embedded PostgreSQL (PGlite) kept in `dataDir`. The same queries and
 * migrations serve both.
 *
 * @example
 * const { db, close } = await openDatabase({ dataDir: ".data/marketplace/db" });
 * await migrateToLatest(db);
 */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.url !== undefined) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: 10_000,
    });
    // An idle connection the server drops (a restart, an administrator) is
    // replaced on next use; without a listener its error would end the process.
    pool.on("error", () => {});
    // Fail now, with the server's reason, rather than at the first query.
    const client = await pool.connect();
    client.release();
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: "postgres", close: () => db.destroy() };
  }
  if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true });
  const pglite = await PGlite.create(options.dataDir ?? "memory://", {
    parsers: { 20: (v: string) => Number(v) },
    // Trigram indexes (catalog substring filters); PostgreSQL ships it as a contrib extension.
    extensions: { pg_trgm },
  });
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    kind: "embedded",
    close: async () => {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

/**
 * Applies every migration not applied yet. Throws the first failure; a failed
 * migration is rolled back whole, so the schema is never half-changed.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
  const result = await migrator.migrateToLatest();
  if (result.error !== undefined) throw result.error;
  return result;
}
