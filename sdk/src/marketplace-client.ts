import { type Client, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import {
  AccessService,
  AccountService,
  CatalogService,
  InstanceService,
  NotificationService,
  SearchService,
} from "@eddie-marketplace/gen";
import { bearerAuth, type TokenProvider } from "./auth/token-provider.js";

/**
 * Typed clients for every client-facing service of the Marketplace, sharing
 * one transport. Every method takes the request as a plain object and
 * answers the generated message type; failures are `ConnectError`s (codes in
 * the SDK README).
 *
 * @example
 * const { account } = await mp.account.getMe({});
 * for await (const ev of mp.notifications.subscribe({})) console.log(ev.event);
 */
export interface MarketplaceClient {
  /** Who am I; EP API clients. */
  readonly account: Client<typeof AccountService>;
  /** A customer's AIIDA instances: claim, list, release. */
  readonly instances: Client<typeof InstanceService>;
  /** Data requests and service offers: create, publish, browse. */
  readonly catalog: Client<typeof CatalogService>;
  /** Searching AIIDA instances for a data request (eligible parties). */
  readonly search: Client<typeof SearchService>;
  /** Asking, deciding, revoking and terminating access. */
  readonly access: Client<typeof AccessService>;
  /** The live notification stream and the inbox. */
  readonly notifications: Client<typeof NotificationService>;
  /** The transport all of them use, for calling further services. */
  readonly transport: Transport;
}

/**
 * How to reach the Marketplace. The same options work with the browser and
 * the Node entry of the SDK; the few that apply to one of them say so.
 */
export interface MarketplaceClientOptions {
  /** The Marketplace's client-facing URL, for example "https://marketplace.example.com". */
  readonly baseUrl: string;
  /**
   * Where each call's access token comes from. Omit it only for calls that
   * need none (the Marketplace answers UNAUTHENTICATED to everything else).
   */
  readonly tokenProvider?: TokenProvider;
  /** More Connect interceptors, run after the one that adds the token. */
  readonly interceptors?: readonly Interceptor[];
  /** Use the binary protobuf format instead of JSON. Default: binary on Node, JSON in browsers. */
  readonly useBinaryFormat?: boolean;
  /** Node only: the largest message accepted from the Marketplace, in bytes. Default 4 MiB, the Marketplace's own limit. */
  readonly readMaxBytes?: number;
  /** Node only: the HTTP version to speak. Default "1.1" (Connect works over both). */
  readonly httpVersion?: "1.1" | "2";
  /** Browsers only: the fetch to use, for example to set `credentials`. */
  readonly fetch?: typeof globalThis.fetch;
}

/** The Marketplace's own largest message (MAX_MESSAGE_BYTES default). */
export const defaultReadMaxBytes = 4 * 1024 * 1024;

/** The interceptors a Marketplace transport runs: the bearer token first, then the caller's. */
export function marketplaceInterceptors(options: MarketplaceClientOptions): Interceptor[] {
  return [
    ...(options.tokenProvider ? [bearerAuth(options.tokenProvider)] : []),
    ...(options.interceptors ?? []),
  ];
}

/**
 * The typed clients over a transport you made yourself, for example
 * `createRouterTransport` in tests or a gRPC transport. Most callers use
 * `createMarketplaceClient`, which builds the right transport for the
 * platform.
 */
export function marketplaceClientOver(transport: Transport): MarketplaceClient {
  return {
    account: createClient(AccountService, transport),
    instances: createClient(InstanceService, transport),
    catalog: createClient(CatalogService, transport),
    search: createClient(SearchService, transport),
    access: createClient(AccessService, transport),
    notifications: createClient(NotificationService, transport),
    transport,
  };
}
