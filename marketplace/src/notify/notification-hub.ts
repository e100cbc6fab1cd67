import type { Logger } from "@eddie-marketplace/sdk/log";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import {
  allNotificationsAfter,
  latestNotificationId,
  type NotificationRow,
  type Recipient,
} from "./notification-repository.js";

/** Called with each committed notification of the recipient it listens for. */
export type NotificationListener = (row: NotificationRow) => void;

/**
 * Delivers committed notifications to live subscribers. It tails the
 * notification table by ID: woken right after a local commit, and polling
 * so notifications committed by another replica arrive too. Delivery is at
 * least once; subscribers skip IDs they have already sent.
 */
export class NotificationHub {
  private readonly listeners = new Map<Recipient, Set<NotificationListener>>();
  private lastId = 0;
  private timer: NodeJS.Timeout | undefined;
  private pumping: Promise<void> | undefined;
  private again = false;
  private started = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
    private readonly pollMs = 1000,
  ) {}

  /** Starts tailing from the newest notification. */
  async start(): Promise<void> {
    this.lastId = await latestNotificationId(this.db);
    this.started = true;
    this.timer = setInterval(() => this.wake(), this.pollMs);
    this.timer.unref();
  }

  /** Stops tailing; listeners stay registered but receive nothing more. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.pumping;
  }

  /** Looks for new notifications now; call after a commit that wrote some. */
  wake(): void {
    if (!this.started) return;
    if (this.pumping !== undefined) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Waits until every notification committed before the call was handed out. */
  async flush(): Promise<void> {
    while (this.pumping !== undefined) await this.pumping;
    this.wake();
    while (this.pumping !== undefined) await this.pumping;
  }

  /** Listens for `recipient`'s notifications; returns the unsubscribe. */
  listen(recipient: Recipient, listener: NotificationListener): () => void {
    let set = this.listeners.get(recipient);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(recipient, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(recipient);
    };
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const rows = await allNotificationsAfter(this.db, this.lastId, 500);
        for (const row of rows) {
          this.lastId = row.id;
          for (const listener of this.listeners.get(row.recipient as Recipient) ?? []) {
            try {
              listener(row);
            } catch (err) {
              this.log.warn("notification listener failed", { err });
            }
          }
        }
        if (rows.length < 500) return;
      }
    } catch (err) {
      this.log.warn("cannot read new notifications; retrying", { err });
    }
  }
}
