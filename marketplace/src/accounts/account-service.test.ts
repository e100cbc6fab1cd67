import { Code } from "@connectrpc/connect";
import { AccountService, Role } from "@eddie-marketplace/gen";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountService } from "../api/account-service.js";
import { inMemoryApi } from "../api/testing.js";
import type { Principal } from "../auth/principal.js";
import { customerPrincipal, epPrincipal } from "../auth/testing.js";
import type { DatabaseHandle } from "../db/database.js";
import { openTestDatabase, testDatabaseKinds } from "../db/test-database.js";
import { Accounts, maxApiClientsPerOrganisation } from "./account-service.js";
import type { ApiClientRegistry } from "./iam-admin-client.js";

/** The IAM's client store, in memory: this is a test of the Marketplace's side. */
function memoryRegistry() {
  const clients = new Map<string, { organisationId: string }>();
  let next = 0;
  let failNextCreate = false;
  const registry: ApiClientRegistry = {
    async create(input) {
      if (failNextCreate) {
        failNextCreate = false;
        throw new Error("IAM down");
      }
      const clientId = `epc_${++next}`;
      clients.set(clientId, { organisationId: input.organisationId });
      return { clientId, clientSecret: `secret-${next}` };
    },
    async remove(clientId) {
      clients.delete(clientId);
    },
  };
  return {
    registry,
    clients,
    failNextCreate: () => {
      failNextCreate = true;
    },
  };
}

describe.each(testDatabaseKinds())("AccountService on %s", (kind) => {
  let handle: DatabaseHandle;
  let iam: ReturnType<typeof memoryRegistry>;
  let api: ReturnType<typeof inMemoryApi>;
  const alice = customerPrincipal("alice");
  const acme = epPrincipal("ann", "org-acme", "Acme");
  const acmeBob = epPrincipal("bob", "org-acme", "Acme");
  const volt = epPrincipal("vic", "org-volt", "Volt");
  const acmeBackend: Principal = { ...epPrincipal("epc_x", "org-acme"), clientId: "epc_x" };
  const nobody: Principal = { subject: "nobody", role: Role.UNSPECIFIED };

  beforeAll(async () => {
    handle = await openTestDatabase(kind);
    iam = memoryRegistry();
    const accounts = new Accounts({ db: handle.db, apiClients: iam.registry });
    api = inMemoryApi((router) => router.service(AccountService, accountService(accounts)), {
      alice,
      acme,
      acmeBob,
      volt,
      acmeBackend,
      nobody,
      aliceAsEp: { ...epPrincipal("alice", "org-new", "New Co") },
    });
  });
  afterAll(() => handle?.close());

  const as = (token: string) => api.as(token).client(AccountService);

  it("creates the account on the first GetMe and keeps it, following the token's role", async () => {
    const first = await as("alice").getMe({});
    expect(first.account).toMatchObject({
      subject: "alice",
      role: Role.CUSTOMER,
      displayName: "alice",
    });
    const again = await as("alice").getMe({});
    expect(again.account?.createdAt).toEqual(first.account?.createdAt);
    const count = await handle.db
      .selectFrom("account")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("subject", "=", "alice")
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
    // The IAM moved the person to an organisation: the next call says so.
    const moved = await as("aliceAsEp").getMe({});
    expect(moved.account).toMatchObject({
      role: Role.ELIGIBLE_PARTY,
      organisation: { id: "org-new", name: "New Co" },
    });
  });

  it("gives a caller without a role their account but nothing else", async () => {
    expect((await as("nobody").getMe({})).account?.role).toBe(Role.UNSPECIFIED);
    await expect(as("nobody").updateProfile({ displayName: "x" })).rejects.toMatchObject({
      code: Code.PermissionDenied,
    });
  });

  it("updates the display name, trimmed, and refuses a bad one with nothing changed", async () => {
    const updated = await as("acme").updateProfile({ displayName: "  Ann Acme " });
    expect(updated.account?.displayName).toBe("Ann Acme");
    for (const bad of ["", "   ", "x".repeat(101)]) {
      await expect(as("acme").updateProfile({ displayName: bad })).rejects.toMatchObject({
        code: Code.InvalidArgument,
      });
    }
    expect((await as("acme").getMe({})).account?.displayName).toBe("Ann Acme");
  });

  it("shares API clients within an organisation and hides them from others", async () => {
    const made = await as("acme").createApiClient({ name: " meter sync " });
    const id = made.client?.clientId ?? "";
    expect(made.client).toMatchObject({ name: "meter sync", createdBy: "ann" });
    expect(made.clientSecret).not.toBe("");
    expect((await as("acmeBob").listApiClients({})).clients.map((c) => c.clientId)).toContain(id);
    expect((await as("volt").listApiClients({})).clients).toEqual([]);
    await expect(as("volt").revokeApiClient({ clientId: id })).rejects.toMatchObject({
      code: Code.NotFound,
    });
    expect(iam.clients.has(id)).toBe(true);
    await as("acmeBob").revokeApiClient({ clientId: id });
    expect(iam.clients.has(id)).toBe(false);
    await expect(as("acme").revokeApiClient({ clientId: id })).rejects.toMatchObject({
      code: Code.NotFound,
    });
    expect((await as("acme").listApiClients({})).clients.map((c) => c.clientId)).not.toContain(id);
  });

  it("refuses API client management to API clients and to bad names", async () => {
    await expect(as("acmeBackend").createApiClient({ name: "x" })).rejects.toMatchObject({
      code: Code.PermissionDenied,
    });
    await expect(as("acme").createApiClient({ name: " " })).rejects.toMatchObject({
      code: Code.InvalidArgument,
    });
  });

  it("records nothing when the IAM can't create the client", async () => {
    const before = (await as("volt").listApiClients({})).clients.length;
    iam.failNextCreate();
    await expect(as("volt").createApiClient({ name: "x" })).rejects.toMatchObject({
      code: Code.Internal,
    });
    expect((await as("volt").listApiClients({})).clients).toHaveLength(before);
  });

  it(`caps an organisation at ${maxApiClientsPerOrganisation} active API clients`, async () => {
    const org = epPrincipal("cap", "org-cap");
    const capApi = inMemoryApi(
      (router) =>
        router.service(
          AccountService,
          accountService(new Accounts({ db: handle.db, apiClients: iam.registry })),
        ),
      { cap: org },
    );
    const cap = capApi.as("cap").client(AccountService);
    for (let i = 0; i < maxApiClientsPerOrganisation; i++) {
      await cap.createApiClient({ name: `c${i}` });
    }
    await expect(cap.createApiClient({ name: "one more" })).rejects.toMatchObject({
      code: Code.FailedPrecondition,
    });
    const listed = (await cap.listApiClients({})).clients;
    expect(listed).toHaveLength(maxApiClientsPerOrganisation);
    expect(listed[0]?.name).toBe(`c${maxApiClientsPerOrganisation - 1}`);
  });

  it("says API clients are unavailable when the Marketplace can't reach the IAM's store", async () => {
    const offline = inMemoryApi(
      (router) =>
        router.service(
          AccountService,
          accountService(new Accounts({ db: handle.db, apiClients: undefined })),
        ),
      { acme },
    );
    await expect(
      offline.as("acme").client(AccountService).createApiClient({ name: "x" }),
    ).rejects.toMatchObject({ code: Code.FailedPrecondition });
  });
});
