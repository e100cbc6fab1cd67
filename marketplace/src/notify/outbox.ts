import { type Kysely, type Selectable, sql, type Transaction } from "kysely";
import type { Database, OutboxTable } from "../db/schema.js";

/** A stored outbox message. */
export type OutboxRow = Selectable<OutboxTable>;

/**
 * Writes a message to deliver after the caller's transaction commits. If the
 * transaction rolls back, the message was never there; if the process stops
 * before delivering, it is still there at the next start.
 */
export async function enqueue(
  tx: Transaction<Database>,
  topic: string,
  target: string,
  payload: unknown,
): Promise<void> {
  await tx
    .insertInto("outbox")
    .values({ topic, target, payload: JSON.stringify(payload) })
    .execute();
}

/**
 * Undelivered messages of `topic`, oldest first: for one target, or for
 * every target, and only those not attempted since `notTriedSince`.
 */
export async function pendingMessages(
  db: Kysely<Database>,
  topic: string,
  options: { target?: string; notTriedSince?: Date; limit?: number } = {},
): Promise<OutboxRow[]> {
  let q = db
    .selectFrom("outbox")
    .selectAll()
    .where("topic", "=", topic)
    .where("done_at", "is", null)
    .orderBy("id")
    .limit(options.limit ?? 500);
  if (options.target !== undefined) q = q.where("target", "=", options.target);
  const since = options.notTriedSince;
  if (since !== undefined) {
    q = q.where((eb) =>
      eb.or([eb("last_attempt_at", "is", null), eb("last_attempt_at", "<", since)]),
    );
  }
  return q.execute();
}

/** Records a delivery attempt. */
export async function markAttempted(
  db: Kysely<Database> | Transaction<Database>,
  id: number,
  at: Date,
): Promise<void> {
  await db
    .updateTable("outbox")
    .set({ attempts: sql<number>`attempts + 1`, last_attempt_at: at })
    .where("id", "=", id)
    .execute();
}

/** Marks messages delivered for good; they are never sent again. */
export async function markDone(
  db: Kysely<Database> | Transaction<Database>,
  topic: string,
  target: string,
  match: (payload: unknown) => boolean,
  at: Date,
): Promise<number> {
  const rows = await db
    .selectFrom("outbox")
    .select(["id", "payload"])
    .where("topic", "=", topic)
    .where("target", "=", target)
    .where("done_at", "is", null)
    .execute();
  const ids = rows.filter((r) => match(r.payload)).map((r) => r.id);
  if (ids.length === 0) return 0;
  await db.updateTable("outbox").set({ done_at: at }).where("id", "in", ids).execute();
  return ids.length;
}
