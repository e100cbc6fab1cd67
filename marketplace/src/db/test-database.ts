import { randomBytes } from "node:crypto";
import pg from "pg";
import {
  type DatabaseHandle,
  type DatabaseKind,
  migrateToLatest,
  openDatabase,
} from "./database.js";

/**
 * The database engines tests run on: always the embedded one, and PostgreSQL
 * when the test runner found a server (it sets TEST_DATABASE_URL).
 *
 * @example
 * describe.each(testDatabaseKinds())("accounts on %s", (kind) => { ... });
 */
export function testDatabaseKinds(): DatabaseKind[] {
  return process.env.TEST_DATABASE_URL ? ["embedded", "postgres"] : ["embedded"];
}

/**
 * Opens a fresh, migrated database of `kind` that no other test sees: an
 * in-memory PGlite, or a new PostgreSQL database that `close()` drops.
 */
export async function openTestDatabase(kind: DatabaseKind): Promise<DatabaseHandle> {
  if (kind === "embedded") {
    const handle = await openDatabase({});
    await migrateToLatest(handle.db);
    return handle;
  }
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error("TEST_DATABASE_URL is not set; no PostgreSQL to test on");
  const name = `mp_test_${randomBytes(6).toString("hex")}`;
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString(), maxConnections: 5 });
  await migrateToLatest(handle.db);
  return {
    db: handle.db,
    kind: handle.kind,
    close: async () => {
      await handle.close();
      await admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** A URL of a fresh, empty PostgreSQL database for a whole-system test, and its drop. */
export async function createTestDatabaseUrl(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error("TEST_DATABASE_URL is not set; no PostgreSQL to test on");
  const name = `mp_test_${randomBytes(6).toString("hex")}`;
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
