import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  type DeliverRequest,
  type DeliverResponse,
  IngestService,
  type ObisCode,
} from "@eddie-marketplace/gen";
import * as grpc from "@grpc/grpc-js";
import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";
import { grpcServiceDefinition } from "../grpc-js.js";
import { tryDescribeObis } from "../vocabulary.js";
import { GRANT_JWKS_PATH, type GrantClaims, GrantError, verifyGrant } from "./grant.js";

/** One energy record as the receiver accepted it, with the permission it came under. */
export interface ReceivedRecord {
  /** The permission the record was delivered under. */
  readonly permissionId: string;
  /** The AIIDA instance that delivered it (named by the grant). */
  readonly instanceId: string;
  /** The data request the permission was given for. */
  readonly dataRequestId: string;
  /** The measurement. */
  readonly dataTag: ObisCode;
  /** The value, in the unit of the OBIS code. */
  readonly value: number;
  /** When it was measured. */
  readonly measuredAt: Date;
  /** The instance's data source it came from. */
  readonly dataSourceId: string;
  /** When the receiver accepted it. */
  readonly receivedAt: Date;
}

/** A delivery the receiver refused, and why. */
export interface RefusedDelivery {
  readonly code: grpc.status;
  readonly reason: string;
  /** The permission, when the grant verified. */
  readonly permissionId?: string;
}

/** How to run a receiver. */
export interface IngestReceiverOptions {
  /**
   * The eligible party's organisation ID: grants for any other are refused.
   * `{ pinFirst: true }` takes the organisation of the first grant that
   * verifies and refuses every other from then on (for a demo that does not
   * know its ID in advance).
   */
  readonly organisationId: string | { readonly pinFirst: true };
  /**
   * The Marketplace's grant keys: its client-facing base URL (the JWKS is
   * fetched from `/.well-known/jwks.json` and cached), or a key lookup.
   */
  readonly marketplace: URL | string | JWTVerifyGetKey;
  /** Address to listen on; 127.0.0.1 by default. */
  readonly host?: string;
  /** Port; 0 (any free port) by default. */
  readonly port?: number;
  /**
   * How the listener is secured; plain text by default (fine on loopback).
   * In production pass `grpc.ServerCredentials.createSsl(...)` and publish the
   * receiver as an `https://` delivery endpoint.
   */
  readonly credentials?: grpc.ServerCredentials;
  /** Largest message accepted; 4 MiB by default. */
  readonly maxMessageBytes?: number;
  /**
   * Stores a batch before it is acknowledged. The instance keeps what was not
   * acknowledged and sends it again, so records stored here are never lost;
   * a throw refuses the batch for now (UNAVAILABLE) and it comes again later.
   * Without it, batches are acknowledged as soon as they are checked and
   * only handed to `records()` iterations.
   */
  readonly store?: (records: readonly ReceivedRecord[]) => Promise<void>;
  /** Called for every refused delivery. */
  readonly onRefused?: (refusal: RefusedDelivery) => void;
}

/** A running receiver. */
export interface IngestReceiver {
  /** The bound port. */
  readonly port: number;
  /**
   * Every record accepted from now on, as an async iterable; each call gives
   * its own iteration. Stops when `signal` aborts or the receiver closes.
   */
  records(signal?: AbortSignal): AsyncIterable<ReceivedRecord>;
  /** Stops accepting and ends open deliveries. */
  close(): Promise<void>;
}

/**
 * Starts the eligible party's IngestService: AIIDA instances open a delivery
 * with their grant, which is verified against the Marketplace's JWKS, then
 * send batches. Data for another organisation, with a forged or altered
 * grant, for data tags outside the grant, or outside its period is refused
 * and the stream closed (UNAUTHENTICATED or PERMISSION_DENIED).
 *
 * @example
 * const receiver = await startIngestReceiver({ organisationId: "acme",
 *   marketplace: "https://marketplace.example", port: 50061 });
 * for await (const record of receiver.records()) store(record);
 */
export async function startIngestReceiver(options: IngestReceiverOptions): Promise<IngestReceiver> {
  const keys =
    typeof options.marketplace === "function"
      ? options.marketplace
      : createRemoteJWKSet(new URL(GRANT_JWKS_PATH, options.marketplace), {
          cooldownDuration: 5_000,
        });
  let pinned = typeof options.organisationId === "string" ? options.organisationId : undefined;
  const subscribers = new Set<(record: ReceivedRecord | undefined) => void>();
  const calls = new Set<grpc.ServerDuplexStream<DeliverRequest, DeliverResponse>>();
  const maxBytes = options.maxMessageBytes ?? 4 * 1024 * 1024;
  const server = new grpc.Server({
    "grpc.max_receive_message_length": maxBytes,
    "grpc.max_send_message_length": maxBytes,
    "grpc.keepalive_time_ms": 45_000,
    "grpc.keepalive_timeout_ms": 20_000,
    "grpc.http2.min_ping_interval_without_data_ms": 10_000,
  });

  const refuse = (
    call: grpc.ServerDuplexStream<DeliverRequest, DeliverResponse>,
    refusal: RefusedDelivery,
  ) => {
    options.onRefused?.(refusal);
    call.emit("error", { code: refusal.code, details: refusal.reason });
  };

  server.addService(grpcServiceDefinition(IngestService) as grpc.ServiceDefinition, {
    deliver(call: grpc.ServerDuplexStream<DeliverRequest, DeliverResponse>) {
      calls.add(call);
      let claims: GrantClaims | undefined;
      let done = false;
      let chain = Promise.resolve();
      const end = () => {
        done = true;
        calls.delete(call);
      };
      call.on("cancelled", end);
      call.on("close", end);
      call.on("end", () => {
        void chain.then(() => {
          if (!done) call.end();
          end();
        });
      });
      call.on("data", (req: DeliverRequest) => {
        chain = chain.then(async () => {
          if (done) return;
          const message = req.message;
          if (claims === undefined) {
            if (message.case !== "open") {
              done = true;
              refuse(call, {
                code: grpc.status.UNAUTHENTICATED,
                reason: "open the delivery with the grant first",
              });
              return;
            }
            try {
              claims = await verifyGrant(message.value.grant, keys, {
                organisationId: pinned,
              });
              pinned ??= claims.organisationId;
            } catch (err) {
              done = true;
              refuse(call, {
                code: grpc.status.UNAUTHENTICATED,
                reason: err instanceof GrantError ? err.message : "the grant could not be checked",
              });
            }
            return;
          }
          if (message.case !== "batch") {
            done = true;
            refuse(call, {
              code: grpc.status.INVALID_ARGUMENT,
              reason: "a delivery is opened once",
              permissionId: claims.permissionId,
            });
            return;
          }
          const now = new Date();
          if (now.getTime() > claims.end.getTime() + 30_000) {
            done = true;
            refuse(call, {
              code: grpc.status.PERMISSION_DENIED,
              reason: "the grant has expired",
              permissionId: claims.permissionId,
            });
            return;
          }
          const allowed = new Set(claims.dataTags);
          const accepted: ReceivedRecord[] = [];
          for (const r of message.value.records) {
            const measuredAt = r.measuredAt === undefined ? undefined : timestampDate(r.measuredAt);
            const problem = !allowed.has(r.dataTag)
              ? `data tag ${tryDescribeObis(r.dataTag)?.code ?? r.dataTag} is not in the grant`
              : measuredAt === undefined
                ? "a record lacks its measurement time"
                : measuredAt < claims.start || measuredAt > claims.end
                  ? "a record lies outside the grant's period"
                  : undefined;
            if (problem !== undefined || measuredAt === undefined) {
              done = true;
              refuse(call, {
                code: grpc.status.PERMISSION_DENIED,
                reason: problem ?? "a record lacks its measurement time",
                permissionId: claims.permissionId,
              });
              return;
            }
            accepted.push({
              permissionId: claims.permissionId,
              instanceId: claims.instanceId,
              dataRequestId: claims.dataRequestId,
              dataTag: r.dataTag,
              value: r.value,
              measuredAt,
              dataSourceId: r.dataSourceId,
              receivedAt: now,
            });
          }
          if (options.store !== undefined) {
            try {
              await options.store(accepted);
            } catch {
              // Not acknowledged: the instance reopens and sends the batch again.
              done = true;
              call.emit("error", {
                code: grpc.status.UNAVAILABLE,
                details: "the receiver could not store the records; send them again",
              });
              return;
            }
          }
          for (const record of accepted) for (const s of subscribers) s(record);
          call.write({ ackedSequence: message.value.sequence } as DeliverResponse);
        });
      });
    },
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `${options.host ?? "127.0.0.1"}:${options.port ?? 0}`,
      options.credentials ?? grpc.ServerCredentials.createInsecure(),
      (err, bound) => (err ? reject(err) : resolve(bound)),
    );
  });

  return {
    port,
    records(signal) {
      return {
        [Symbol.asyncIterator]() {
          const queue: ReceivedRecord[] = [];
          let closed = false;
          let wake: (() => void) | undefined;
          const push = (record: ReceivedRecord | undefined) => {
            if (record === undefined) closed = true;
            else queue.push(record);
            wake?.();
          };
          subscribers.add(push);
          const stop = () => {
            closed = true;
            subscribers.delete(push);
            wake?.();
          };
          signal?.addEventListener("abort", stop, { once: true });
          return {
            async next(): Promise<IteratorResult<ReceivedRecord>> {
              for (;;) {
                const record = queue.shift();
                if (record !== undefined) return { value: record, done: false };
                if (closed || signal?.aborted) {
                  stop();
                  return { value: undefined, done: true };
                }
                await new Promise<void>((resolve) => {
                  wake = resolve;
                });
                wake = undefined;
              }
            },
            async return(): Promise<IteratorResult<ReceivedRecord>> {
              stop();
              return { value: undefined, done: true };
            },
          };
        },
      };
    },
    async close() {
      for (const s of subscribers) s(undefined);
      for (const call of calls) {
        call.emit("error", {
          code: grpc.status.UNAVAILABLE,
          details: "the receiver is shutting down",
        });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
