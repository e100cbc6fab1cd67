import type { DescMethodStreaming, DescMethodUnary, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createRouterTransport, type ServiceImpl } from "@connectrpc/connect";
import {
  AccessService,
  AccountService,
  CatalogService,
  InstanceService,
  NotificationService,
  Role,
  SearchService,
} from "@eddie-marketplace/gen";
import { silentLogger } from "@eddie-marketplace/sdk/log";
import { describe, expect, it } from "vitest";
import { authInterceptor } from "./auth-interceptor.js";
import { rolePolicy } from "./policy.js";
import { customerPrincipal, epPrincipal, fakeTokenVerifier } from "./testing.js";

const services: DescService[] = [
  AccountService,
  InstanceService,
  CatalogService,
  SearchService,
  AccessService,
  NotificationService,
];

/** Every RPC behind the real interceptor, with handlers that only count calls. */
function countingApi() {
  const reached: string[] = [];
  const transport = createRouterTransport(
    (router) => {
      for (const service of services) {
        const impl: Record<string, unknown> = {};
        for (const method of service.methods) {
          impl[method.localName] =
            method.methodKind === "server_streaming"
              ? async function* () {
                  reached.push(method.name);
                  yield {};
                }
              : () => {
                  reached.push(method.name);
                  return {};
                };
        }
        router.service(service, impl as Partial<ServiceImpl<DescService>>);
      }
    },
    {
      router: {
        interceptors: [
          authInterceptor(
            fakeTokenVerifier({
              customer: customerPrincipal("c"),
              ep: epPrincipal("e", "org"),
              nobody: { subject: "n", role: Role.UNSPECIFIED },
            }),
            silentLogger,
          ),
        ],
      },
    },
  );
  return { transport, reached };
}

describe("the role policy", () => {
  const rows = services.flatMap((service) =>
    service.methods.flatMap((method) =>
      (["customer", "ep", "nobody"] as const).map((token) => ({
        service,
        method,
        token,
        label: `${service.name}.${method.name} as ${token}`,
      })),
    ),
  );
  const roleOf = { customer: Role.CUSTOMER, ep: Role.ELIGIBLE_PARTY, nobody: Role.UNSPECIFIED };

  it.each(rows)("decides $label before any handler runs", async ({ service, method, token }) => {
    const { transport, reached } = countingApi();
    const allowed = rolePolicy.get(service.typeName)?.get(method.name) ?? [];
    const header = new Headers({ authorization: `Bearer ${token}` });
    const signal = new AbortController().signal;
    let error: ConnectError | undefined;
    try {
      if (method.methodKind === "unary") {
        await transport.unary(method as DescMethodUnary, signal, undefined, header, {}, undefined);
      } else {
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
      }
    } catch (err) {
      error = ConnectError.from(err);
    }
    if (allowed.includes(roleOf[token])) {
      expect(error).toBeUndefined();
      expect(reached).toEqual([method.name]);
    } else {
      expect(error?.code).toBe(Code.PermissionDenied);
      expect(reached).toEqual([]);
    }
  });

  it("lets a caller without a role do nothing but GetMe", () => {
    const open = services.flatMap((s) =>
      s.methods
        .filter((m) => rolePolicy.get(s.typeName)?.get(m.name)?.includes(Role.UNSPECIFIED))
        .map((m) => `${s.name}.${m.name}`),
    );
    expect(open).toEqual(["AccountService.GetMe"]);
  });
});
