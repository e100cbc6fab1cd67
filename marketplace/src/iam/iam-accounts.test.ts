import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../db/database.js";
import { openTestDatabase, testDatabaseKinds } from "../db/test-database.js";
import { IamAccounts, type SignUpInput, SignUpRejected } from "./iam-accounts.js";
import { type IamDb, iamDb, migrateIam } from "./iam-database.js";

describe.each(testDatabaseKinds())("IAM accounts on %s", (kind) => {
  let handle: DatabaseHandle;
  let db: IamDb;
  let accounts: IamAccounts;
  beforeAll(async () => {
    handle = await openTestDatabase(kind);
    db = iamDb(handle.db);
    await migrateIam(db);
    await migrateIam(db); // a second run changes nothing
    accounts = new IamAccounts(db);
  });
  afterAll(() => handle?.close());

  const input = (over: Partial<SignUpInput> = {}): SignUpInput => ({
    email: `u${Math.random().toString(36).slice(2)}@example.test`,
    password: "Sturdy-Pass-91",
    displayName: "Uma",
    role: "customer",
    organisation: "",
    ...over,
  });
  const organisations = async () =>
    Number(
      (
        await db
          .selectFrom("iam.organisation")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it("stores a hashed password, never the password", async () => {
    const a = await accounts.signUp(input({ email: "Hash@Example.test " }));
    const row = await db
      .selectFrom("iam.account")
      .selectAll()
      .where("id", "=", a.id)
      .executeTakeFirstOrThrow();
    expect(row.email).toBe("hash@example.test");
    expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(row.password_hash).not.toContain("Sturdy-Pass-91");
    expect(await accounts.logIn("HASH@example.test", "Sturdy-Pass-91")).toMatchObject({ id: a.id });
    expect(await accounts.logIn("hash@example.test", "Sturdy-Pass-92")).toBeUndefined();
    expect(await accounts.logIn("nobody@example.test", "Sturdy-Pass-91")).toBeUndefined();
  });

  it("gives each eligible party's sign-up a new organisation", async () => {
    const ep = await accounts.signUp(input({ role: "eligible_party", organisation: " Wattwerk " }));
    expect(ep.organisation).toMatchObject({ name: "Wattwerk" });
    expect(ep.organisation?.id).toMatch(/^org_/);
    expect(await accounts.find(ep.id)).toEqual(ep);
  });

  it("stores nothing for rejected sign-ups", async () => {
    const taken = await accounts.signUp(
      input({ role: "eligible_party", organisation: "Taken AG" }),
    );
    const before = { accounts: await accounts.count(), organisations: await organisations() };
    const rejected = [
      input({ email: taken.email.toUpperCase() }),
      input({ password: "short" }),
      input({ role: "eligible_party", organisation: "" }),
      input({ role: "eligible_party", organisation: "TAKEN ag" }),
      input({ role: "admin" }),
      input({ displayName: "  " }),
    ];
    for (const bad of rejected) {
      await expect(accounts.signUp(bad)).rejects.toBeInstanceOf(SignUpRejected);
    }
    expect({ accounts: await accounts.count(), organisations: await organisations() }).toEqual(
      before,
    );
  });

  it("lets only one of two racing sign-ups for an e-mail win", async () => {
    const same = input();
    const results = await Promise.allSettled([accounts.signUp(same), accounts.signUp(same)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected");
    expect((lost as PromiseRejectedResult).reason).toBeInstanceOf(SignUpRejected);
  });
});
