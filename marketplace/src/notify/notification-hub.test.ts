import { NotificationKind } from "@eddie-marketplace/gen";
import { silentLogger } from "@eddie-marketplace/sdk/log";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../db/database.js";
import { openTestDatabase, testDatabaseKinds } from "../db/test-database.js";
import { NotificationHub } from "./notification-hub.js";
import {
  customerInbox,
  type NotificationRow,
  notificationsAfter,
  writeNotifications,
} from "./notification-repository.js";

describe.each(testDatabaseKinds())("the notification tail on %s", (kind) => {
  let database: DatabaseHandle;
  // Two Marketplace replicas over one database: each tails the table.
  let here: NotificationHub;
  let there: NotificationHub;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    here = new NotificationHub(database.db, silentLogger, 50);
    there = new NotificationHub(database.db, silentLogger, 50);
    await here.start();
    await there.start();
  });
  afterAll(async () => {
    await here?.stop();
    await there?.stop();
    await database?.close();
  });

  function write(subject: string, title: string) {
    return database.db.transaction().execute((tx) =>
      writeNotifications(tx, [
        {
          recipient: customerInbox(subject),
          kind: NotificationKind.ACCESS_REQUESTED,
          title,
          body: "",
        },
      ]),
    );
  }

  it("delivers a notification committed on one replica to a subscriber on another", async () => {
    const got = new Promise<NotificationRow>((resolve) => {
      const off = there.listen(customerInbox("dora"), (row) => {
        off();
        resolve(row);
      });
    });
    await write("dora", "from the other replica");
    expect((await got).title).toBe("from the other replica");
  });

  it("delivers nothing that rolled back, and keeps IDs in commit order", async () => {
    const seen: string[] = [];
    const off = here.listen(customerInbox("erin"), (row) => seen.push(row.title));
    await expect(
      database.db.transaction().execute(async (tx) => {
        await writeNotifications(tx, [
          {
            recipient: customerInbox("erin"),
            kind: NotificationKind.ACCESS_REQUESTED,
            title: "rolled back",
            body: "",
          },
        ]);
        throw new Error("the state change failed");
      }),
    ).rejects.toThrow("the state change failed");
    await write("erin", "first");
    await write("erin", "second");
    await here.flush();
    off();
    expect(seen).toEqual(["first", "second"]);
    const stored = await notificationsAfter(database.db, customerInbox("erin"), 0);
    expect(stored.map((r) => r.title)).toEqual(["first", "second"]);
    expect((stored[0]?.id ?? 0) < (stored[1]?.id ?? 0)).toBe(true);
  });
});
