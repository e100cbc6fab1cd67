import type {
  DescMethod,
  DescMethodStreaming,
  DescMethodUnary,
  DescService,
} from "@bufbuild/protobuf";
import { rolePolicy } from "@eddie-marketplace/marketplace/src/auth/policy.js";
import {
  dataRequestInput,
  serviceOfferInput,
} from "@eddie-marketplace/marketplace/src/catalog/testing.js";
import {
  AccessService,
  AccountService,
  CatalogService,
  Code,
  ConnectError,
  createMarketplaceClient,
  InstanceService,
  type MarketplaceClient,
  NotificationService,
  Role,
  SearchService,
  staticToken,
} from "@eddie-marketplace/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freshDatabaseUrl,
  type SignedIn,
  signUp,
  startIam,
  startMarketplaceFor,
  type TestIam,
} from "../harness/iam.js";
import type { RunningProgram } from "../harness/program.js";

const services: DescService[] = [
  AccountService,
  InstanceService,
  CatalogService,
  SearchService,
  AccessService,
  NotificationService,
];

/** Every client-facing RPC with the roles the policy lets call it. */
const rpcs = services.flatMap((service) =>
  service.methods.map((method) => ({
    service,
    method,
    allowed: rolePolicy.get(service.typeName)?.get(method.name) ?? [],
  })),
);

const roles = [
  { role: Role.CUSTOMER, name: "customer" },
  { role: Role.ELIGIBLE_PARTY, name: "eligible party" },
] as const;

/**
 * Calls any RPC with an empty request over the SDK client's transport (which
 * adds the caller's bearer token); resolves to the error, or undefined on
 * success. The matrix walks the service descriptors, so it calls the
 * transport by method rather than a named client method.
 */
async function call(
  client: MarketplaceClient,
  method: DescMethod,
): Promise<ConnectError | undefined> {
  const { transport } = client;
  const signal = AbortSignal.timeout(3000);
  try {
    if (method.methodKind === "unary") {
      await transport.unary(method as DescMethodUnary, signal, undefined, undefined, {}, undefined);
    } else if (method.methodKind === "server_streaming") {
      const res = await transport.stream(
        method as DescMethodStreaming,
        signal,
        undefined,
        undefined,
        (async function* () {
          yield {};
        })(),
        undefined,
      );
      for await (const _ of res.message) break;
    } else {
      throw new Error(`${method.name}: a client-facing RPC must be unary or server-streaming`);
    }
    return undefined;
  } catch (err) {
    return ConnectError.from(err);
  }
}

describe("the role policy on every client-facing RPC, with real tokens on the real Marketplace", () => {
  let iam: TestIam;
  let database: Awaited<ReturnType<typeof freshDatabaseUrl>> | undefined;
  let mp: RunningProgram<{ httpPort: number; grpcPort: number }>;
  const tokens = new Map<Role, SignedIn>();
  /** One SDK client per role, signed in with that role's token. */
  const clients = new Map<Role, MarketplaceClient>();
  /** The SDK client signed in as `token`. */
  const sdk = (token: string) =>
    createMarketplaceClient({
      baseUrl: `http://127.0.0.1:${mp.ready.httpPort}`,
      tokenProvider: staticToken(token),
    });

  beforeAll(async () => {
    database = await freshDatabaseUrl();
    iam = await startIam({ DATABASE_URL: database.url });
    mp = await startMarketplaceFor(iam, { DATABASE_URL: database.url });
    tokens.set(Role.CUSTOMER, await signUp(iam, { role: "customer" }));
    tokens.set(Role.ELIGIBLE_PARTY, await signUp(iam, { role: "eligible_party" }));
    for (const [role, person] of tokens) clients.set(role, sdk(person.accessToken));
  });
  const clientAs = (role: Role): MarketplaceClient => {
    const client = clients.get(role);
    if (!client) throw new Error(`no client signed in as role ${role}`);
    return client;
  };
  afterAll(async () => {
    await mp?.stop();
    await iam?.stop();
    await database?.drop();
  });

  it("covers every service the policy knows, and the policy covers every RPC", () => {
    expect(new Set(services.map((s) => s.typeName))).toEqual(new Set(rolePolicy.keys()));
    for (const rpc of rpcs) expect(rpc.allowed.length, rpc.method.name).toBeGreaterThan(0);
  });

  const forbidden = rpcs.flatMap((rpc) =>
    roles
      .filter((r) => !rpc.allowed.includes(r.role))
      .map((r) => ({ ...rpc, ...r, label: `${rpc.service.name}.${rpc.method.name} as ${r.name}` })),
  );
  it.each(forbidden)("refuses $label with PERMISSION_DENIED", async ({ method, role }) => {
    const err = await call(clientAs(role), method);
    expect(err?.code).toBe(Code.PermissionDenied);
    expect(err?.rawMessage).toMatch(/may not call/);
  });

  const allowed = rpcs.flatMap((rpc) =>
    roles
      .filter((r) => rpc.allowed.includes(r.role))
      .map((r) => ({ ...rpc, ...r, label: `${rpc.service.name}.${rpc.method.name} as ${r.name}` })),
  );
  it.each(allowed)(
    "lets $label past authentication and the role check",
    async ({ method, role }) => {
      const err = await call(clientAs(role), method);
      expect(err?.code).not.toBe(Code.Unauthenticated);
      if (err?.code === Code.PermissionDenied) expect(err.rawMessage).not.toMatch(/may not call/);
    },
  );

  it("answers NOT_FOUND when an eligible party names another organisation's objects", async () => {
    const owner = clientAs(Role.ELIGIBLE_PARTY);
    const other = sdk((await signUp(iam, { role: "eligible_party" })).accessToken);
    const notFound = { code: Code.NotFound };

    // Data requests and service offers.
    const catalog = owner.catalog;
    const otherCatalog = other.catalog;
    const request = (await catalog.createDataRequest({ input: dataRequestInput() })).dataRequest;
    const id = request?.id ?? "";
    await expect(otherCatalog.getDataRequest({ id })).rejects.toMatchObject(notFound);
    await expect(
      otherCatalog.updateDataRequest({ id, input: dataRequestInput() }),
    ).rejects.toMatchObject(notFound);
    await expect(otherCatalog.publishDataRequest({ id })).rejects.toMatchObject(notFound);
    await expect(otherCatalog.archiveDataRequest({ id })).rejects.toMatchObject(notFound);
    const offer = (await catalog.createServiceOffer({ input: serviceOfferInput() })).serviceOffer;
    const offerId = offer?.id ?? "";
    await expect(otherCatalog.getServiceOffer({ id: offerId })).rejects.toMatchObject(notFound);
    await expect(
      otherCatalog.updateServiceOffer({ id: offerId, input: serviceOfferInput() }),
    ).rejects.toMatchObject(notFound);
    await expect(otherCatalog.publishServiceOffer({ id: offerId })).rejects.toMatchObject(notFound);
    await expect(otherCatalog.archiveServiceOffer({ id: offerId })).rejects.toMatchObject(notFound);

    // Searches: another organisation can't search with the request, nor see the run.
    await catalog.publishDataRequest({ id });
    const otherSearch = other.search;
    await expect(
      (async () => {
        for await (const _ of otherSearch.searchInstances({ dataRequestId: id })) break;
      })(),
    ).rejects.toMatchObject(notFound);
    let runId = "";
    for await (const event of owner.search.searchInstances({
      dataRequestId: id,
      timeout: { seconds: 1n },
    })) {
      if (event.event.case === "started") runId = event.event.value.searchRunId;
    }
    expect(runId).not.toBe("");
    await expect(otherSearch.getSearchRun({ id: runId })).rejects.toMatchObject(notFound);
    expect((await otherSearch.listSearchRuns({})).searchRuns).toEqual([]);

    // Access: another organisation can't ask access with the run.
    await expect(other.access.requestAccess({ searchRunId: runId })).rejects.toMatchObject(
      notFound,
    );

    // The owner still sees everything.
    await expect(catalog.getDataRequest({ id })).resolves.toMatchObject({ dataRequest: { id } });
    await expect(owner.search.getSearchRun({ id: runId })).resolves.toBeDefined();
  });
});
