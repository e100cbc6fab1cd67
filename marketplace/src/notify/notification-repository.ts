import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Notification, NotificationKind, NotificationSchema } from "@eddie-marketplace/gen";
import { type Kysely, type Selectable, sql, type Transaction } from "kysely";
import type { Database, NotificationTable } from "../db/schema.js";

/**
 * Whose inbox a notification lands in: one customer's, or an eligible
 * party's organisation's (shared by everyone acting for it).
 */
export type Recipient = `customer:${string}` | `organisation:${string}`;

/** The inbox of a customer. */
export function customerInbox(subject: string): Recipient {
  return `customer:${subject}`;
}

/** The inbox shared by an eligible party's organisation. */
export function organisationInbox(organisationId: string): Recipient {
  return `organisation:${organisationId}`;
}

/** A notification to write. */
export interface NewNotification {
  readonly recipient: Recipient;
  readonly kind: NotificationKind;
  readonly title: string;
  readonly body: string;
  readonly permissionId?: string;
  readonly instanceId?: string;
}

// Held from the insert to the commit, so notification IDs become visible in
// the order they were taken and a reader can tail the table by ID.
const writeLock = 7_140_611;

/**
 * Writes notifications in the caller's transaction, beside the state change
 * that causes them; they become visible, and are delivered live, only if it
 * commits. IDs are visible in increasing order, so an ID is a resume cursor.
 */
export async function writeNotifications(
  tx: Transaction<Database>,
  list: readonly NewNotification[],
): Promise<void> {
  if (list.length === 0) return;
  await sql`select pg_advisory_xact_lock(${writeLock})`.execute(tx);
  await tx
    .insertInto("notification")
    .values(
      list.map((n) => ({
        recipient: n.recipient,
        kind: NotificationKind[n.kind],
        title: n.title,
        body: n.body,
        permission_id: n.permissionId ?? null,
        instance_id: n.instanceId ?? null,
      })),
    )
    .execute();
}

/** A stored notification row. */
export type NotificationRow = Selectable<NotificationTable>;

/** A stored row as the contract's message. */
export function toNotification(row: NotificationRow): Notification {
  return create(NotificationSchema, {
    id: String(row.id),
    kind:
      NotificationKind[row.kind as keyof typeof NotificationKind] ?? NotificationKind.UNSPECIFIED,
    title: row.title,
    body: row.body,
    permissionId: row.permission_id ?? "",
    instanceId: row.instance_id ?? "",
    createdAt: timestampFromDate(row.created_at),
    readAt: row.read_at === null ? undefined : timestampFromDate(row.read_at),
  });
}

/** Notifications of `recipient` with IDs above `afterId`, oldest first. */
export async function notificationsAfter(
  db: Kysely<Database>,
  recipient: Recipient,
  afterId: number,
  limit = 500,
): Promise<NotificationRow[]> {
  return db
    .selectFrom("notification")
    .selectAll()
    .where("recipient", "=", recipient)
    .where("id", ">", afterId)
    .orderBy("id")
    .limit(limit)
    .execute();
}

/** Every notification with an ID above `afterId`, whoever it is for, oldest first. */
export async function allNotificationsAfter(
  db: Kysely<Database>,
  afterId: number,
  limit: number,
): Promise<NotificationRow[]> {
  return db
    .selectFrom("notification")
    .selectAll()
    .where("id", ">", afterId)
    .orderBy("id")
    .limit(limit)
    .execute();
}

/** The highest notification ID written so far (0 when none). */
export async function latestNotificationId(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom("notification")
    .select((eb) => eb.fn.max("id").as("max"))
    .executeTakeFirst();
  return Number(row?.max ?? 0);
}

/** One page of an inbox, newest first. */
export async function listInbox(
  db: Kysely<Database>,
  recipient: Recipient,
  options: { unreadOnly: boolean; limit: number; beforeId?: number },
): Promise<NotificationRow[]> {
  let q = db
    .selectFrom("notification")
    .selectAll()
    .where("recipient", "=", recipient)
    .orderBy("id", "desc")
    .limit(options.limit);
  if (options.unreadOnly) q = q.where("read_at", "is", null);
  if (options.beforeId !== undefined) q = q.where("id", "<", options.beforeId);
  return q.execute();
}

/** How many notifications of `recipient` are unread. */
export async function unreadCount(db: Kysely<Database>, recipient: Recipient): Promise<number> {
  const row = await db
    .selectFrom("notification")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("recipient", "=", recipient)
    .where("read_at", "is", null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Marks the given notifications, or all up to and including `upToId`, read.
 * Only the recipient's own are touched; other IDs are ignored.
 */
export async function markRead(
  db: Kysely<Database>,
  recipient: Recipient,
  target: { ids: readonly number[]; upToId?: number },
  at: Date,
): Promise<void> {
  if (target.ids.length > 0) {
    await db
      .updateTable("notification")
      .set({ read_at: at })
      .where("recipient", "=", recipient)
      .where("id", "in", [...target.ids])
      .where("read_at", "is", null)
      .execute();
  }
  if (target.upToId !== undefined) {
    await db
      .updateTable("notification")
      .set({ read_at: at })
      .where("recipient", "=", recipient)
      .where("id", "<=", target.upToId)
      .where("read_at", "is", null)
      .execute();
  }
}
