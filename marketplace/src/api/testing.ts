import type { DescService } from "@bufbuild/protobuf";
import {
  type Client,
  type ConnectRouter,
  createClient,
  createRouterTransport,
} from "@connectrpc/connect";
import { silentLogger } from "@eddie-marketplace/sdk/log";
import { authInterceptor } from "../auth/auth-interceptor.js";
import type { Principal } from "../auth/principal.js";
import { fakeTokenVerifier } from "../auth/testing.js";
import { domainErrorInterceptor } from "./errors.js";

/**
 * Serves `routes` over an in-memory transport behind the real authentication
 * interceptor and role policy, with `principals` as the known test tokens.
 * `as(token)` gives a client that calls as that principal.
 *
 * @example
 * const api = inMemoryApi(catalogRoutes(deps), { acme: epPrincipal("u1", "acme") });
 * const catalog = api.as("acme").client(CatalogService);
 */
export function inMemoryApi(
  routes: (router: ConnectRouter) => void,
  principals: Record<string, Principal>,
) {
  const transport = createRouterTransport(routes, {
    router: {
      interceptors: [
        authInterceptor(fakeTokenVerifier(principals), silentLogger),
        domainErrorInterceptor(),
      ],
    },
  });
  return {
    as(token: string | undefined) {
      return {
        client<S extends DescService>(service: S): Client<S> {
          const headers: Record<string, string> =
            token === undefined ? {} : { authorization: `Bearer ${token}` };
          return createClient(service, {
            ...transport,
            unary: (method, signal, timeoutMs, header, input, contextValues) => {
              const h = new Headers(header);
              for (const [k, v] of Object.entries(headers)) h.set(k, v);
              return transport.unary(method, signal, timeoutMs, h, input, contextValues);
            },
            stream: (method, signal, timeoutMs, header, input, contextValues) => {
              const h = new Headers(header);
              for (const [k, v] of Object.entries(headers)) h.set(k, v);
              return transport.stream(method, signal, timeoutMs, h, input, contextValues);
            },
          });
        },
      };
    },
  };
}
