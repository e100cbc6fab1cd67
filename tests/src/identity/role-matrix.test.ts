import type {
  DescMethod,
  DescMethodStreaming,
  DescMethodUnary,
  DescService,
} from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  AccessService,
  AccountService,
  CatalogService,
  InstanceService,
  NotificationService,
  Role,
  SearchService,
} from "@eddie-marketplace/gen";
import { rolePolicy } from "@eddie-marketplace/marketplace/src/auth/policy.js";
import {
  dataRequestInput,
  serviceOfferInput,
} from "@eddie-marketplace/marketplace/src/catalog/testing.js";
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

/** Calls any RPC with an empty request; resolves to the error, or undefined on success. */
async function call(
  transport: Transport,
  method: DescMethod,
  token: string,
): Promise<ConnectError | undefined> {
  const signal = AbortSignal.timeout(3000);
  const header = new Headers({ authorization: `Bearer ${token}` });
  try {
    if (method.methodKind === "unary") {
      await transport.unary(method as DescMethodUnary, signal, undefined, header, {}, undefined);
    } else if (method.methodKind === "server_streaming") {
      const res = await transport.stream(
        method as DescMethodStreaming,
        signal,
        undefined,
        header,
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
  let transport: Transport;
  const tokens = new Map<Role, SignedIn>();

  beforeAll(async () => {
    database = await freshDatabaseUrl();
    iam = await startIam({ DATABASE_URL: database.url });
    mp = await startMarketplaceFor(iam, { DATABASE_URL: database.url });
    transport = createConnectTransport({
      baseUrl: `http://127.0.0.1:${mp.ready.httpPort}`,
      httpVersion: "1.1",
    });
    tokens.set(Role.CUSTOMER, await signUp(iam, { role: "customer" }));
    tokens.set(Role.ELIGIBLE_PARTY, await signUp(iam, { role: "eligible_party" }));
  });
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
    const err = await call(transport, method, tokens.get(role)?.accessToken ?? "");
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
      const err = await call(transport, method, tokens.get(role)?.accessToken ?? "");
      expect(err?.code).not.toBe(Code.Unauthenticated);
      if (err?.code === Code.PermissionDenied) expect(err.rawMessage).not.toMatch(/may not call/);
    },
  );

  it("answers NOT_FOUND when an eligible party names another organisation's objects", async () => {
    const bearer = (token: string) =>
      createConnectTransport({
        baseUrl: `http://127.0.0.1:${mp.ready.httpPort}`,
        httpVersion: "1.1",
        interceptors: [
          (next) => (req) => {
            req.header.set("authorization", `Bearer ${token}`);
            return next(req);
          },
        ],
      });
    const owner = bearer(tokens.get(Role.ELIGIBLE_PARTY)?.accessToken ?? "");
    const other = bearer((await signUp(iam, { role: "eligible_party" })).accessToken);
    const notFound = { code: Code.NotFound };

    // Data requests and service offers.
    const catalog = createClient(CatalogService, owner);
    const otherCatalog = createClient(CatalogService, other);
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
    const otherSearch = createClient(SearchService, other);
    await expect(
      (async () => {
        for await (const _ of otherSearch.searchInstances({ dataRequestId: id })) break;
      })(),
    ).rejects.toMatchObject(notFound);
    let runId = "";
    for await (const event of createClient(SearchService, owner).searchInstances({
      dataRequestId: id,
      timeout: { seconds: 1n },
    })) {
      if (event.event.case === "started") runId = event.event.value.searchRunId;
    }
    expect(runId).not.toBe("");
    await expect(otherSearch.getSearchRun({ id: runId })).rejects.toMatchObject(notFound);
    expect((await otherSearch.listSearchRuns({})).searchRuns).toEqual([]);

    // Access: another organisation can't ask access with the run.
    await expect(
      createClient(AccessService, other).requestAccess({ searchRunId: runId }),
    ).rejects.toMatchObject(notFound);

    // The owner still sees everything.
    await expect(catalog.getDataRequest({ id })).resolves.toMatchObject({ dataRequest: { id } });
    await expect(
      createClient(SearchService, owner).getSearchRun({ id: runId }),
    ).resolves.toBeDefined();
  });
});
