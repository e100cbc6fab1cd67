import { create } from "@bufbuild/protobuf";
import {
  type DeliverRequest,
  DeliverRequestSchema,
  type DeliverResponse,
  type EnergyRecord,
  IngestService,
  type ObisCode,
} from "@eddie-marketplace/gen";
import type { GrantClaims } from "@eddie-marketplace/sdk/grant";
import { grpcServiceDefinition } from "@eddie-marketplace/sdk/grpc-js";
import type { Logger } from "@eddie-marketplace/sdk/log";
import * as grpc from "@grpc/grpc-js";
import { Cron } from "croner";
import type { InstanceSources } from "../sources/instance-sources.js";
import type { BookEntry } from "./permission-book.js";

/** Which source yields which of the granted tags. */
export type SourcePlan = readonly { readonly sourceId: string; readonly tags: ObisCode[] }[];

/** How a delivery ended. */
export type DeliveryEnd =
  | { readonly kind: "fulfilled" }
  | { readonly kind: "refused"; readonly detail: string };

/** What a delivery reports while it runs. */
export interface DeliveryEvents {
  /** The receiver acknowledged records; the entry's progress changed. */
  progress(): void;
  /** The delivery ended by itself: the period is over, or the receiver refused it for good. */
  ended(end: DeliveryEnd): void;
}

const maxRecordsPerBatch = 5_000;
const maxBatchesPerTick = 20;
const ingestDefinition = grpcServiceDefinition(IngestService) as grpc.ServiceDefinition;
const IngestClient = grpc.makeGenericClientConstructor(ingestDefinition, "IngestService");

/**
 * Plans which enabled sources deliver the granted tags: undefined names the
 * first tag no enabled source of the granted asset yields.
 */
export function planSources(
  claims: GrantClaims,
  sources: InstanceSources,
): { plan: SourcePlan } | { missing: ObisCode } {
  const usable = sources.dataSources.filter((s) => s.enabled && s.asset === claims.asset);
  const bySource = new Map<string, ObisCode[]>();
  for (const tag of claims.dataTags) {
    const source =
      usable.find((s) => s.dataTags.includes(tag) && bySource.has(s.id)) ??
      usable.find((s) => s.dataTags.includes(tag));
    if (source === undefined) return { missing: tag };
    bySource.set(source.id, [...(bySource.get(source.id) ?? []), tag]);
  }
  return { plan: [...bySource].map(([sourceId, tags]) => ({ sourceId, tags })) };
}

/**
 * Delivers one permission's records to the eligible party's receiver: opens
 * an IngestService stream with the grant, then on every tick of the granted
 * schedule sends what was measured since the receiver's last acknowledgement,
 * until the end of the granted period. A broken stream is reopened with
 * backoff and resumes from the last acknowledged record, so nothing is lost
 * and a receiver may see a record twice at most.
 */
export class PermissionDelivery {
  private cron: Cron | undefined;
  private endTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private client: grpc.Client | undefined;
  private call: grpc.ClientDuplexStream<DeliverRequest, DeliverResponse> | undefined;
  private sequence = 0n;
  /** Batches written and not yet acknowledged: sequence → the instant they cover up to. */
  private readonly inFlight = new Map<bigint, { until: number; records: number }>();
  /** Sent (not necessarily acknowledged) up to this instant. */
  private sentUntil: number;
  private retryMs = 1_000;
  private stopped = false;

  constructor(
    private readonly claims: GrantClaims,
    private readonly entry: BookEntry,
    private readonly plan: SourcePlan,
    private readonly sources: () => InstanceSources,
    private readonly events: DeliveryEvents,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.sentUntil = Math.max(entry.sentUntil, claims.start.getTime());
  }

  /** Records acknowledged so far. */
  get recordsSent(): number {
    return this.entry.recordsSent;
  }

  /** Opens the stream and starts the schedule; sends what is due at once. */
  start(): void {
    if (this.now() >= this.claims.end.getTime()) {
      this.finish({ kind: "fulfilled" });
      return;
    }
    this.open();
    this.cron = new Cron(this.claims.transmissionSchedule, { timezone: "UTC" }, () => this.tick());
    this.armEnd();
    this.tick();
  }

  /** Stops at once: no further record leaves after this returns. */
  stop(): void {
    this.stopped = true;
    this.cron?.stop();
    clearTimeout(this.endTimer);
    clearTimeout(this.retryTimer);
    const call = this.call;
    this.call = undefined;
    call?.cancel();
    this.client?.close();
    this.client = undefined;
  }

  private armEnd(): void {
    const wait = this.claims.end.getTime() - this.now();
    this.endTimer = setTimeout(
      () => {
        if (this.now() < this.claims.end.getTime()) return this.armEnd();
        this.tick();
        // Let the last batch be acknowledged before closing.
        const close = () => this.finish({ kind: "fulfilled" });
        if (this.inFlight.size === 0) close();
        else setTimeout(close, 2_000).unref();
      },
      Math.min(Math.max(wait, 0), 2 ** 31 - 1),
    );
    this.endTimer.unref();
  }

  private finish(end: DeliveryEnd): void {
    if (this.stopped) return;
    this.stop();
    this.events.ended(end);
  }

  private open(): void {
    if (this.stopped) return;
    const { target, credentials } = endpointOf(this.claims.deliveryEndpoint);
    this.client ??= new IngestClient(target, credentials, {
      "grpc.use_local_subchannel_pool": 1,
      "grpc.keepalive_time_ms": 45_000,
    });
    const client = this.client as unknown as {
      deliver(): grpc.ClientDuplexStream<DeliverRequest, DeliverResponse>;
    };
    const call = client.deliver();
    this.call = call;
    this.inFlight.clear();
    this.sentUntil = Math.max(this.entry.sentUntil, this.claims.start.getTime());
    call.write(
      create(DeliverRequestSchema, {
        message: { case: "open", value: { grant: this.entry.grant } },
      }),
    );
    call.on("data", (res: DeliverResponse) => this.acknowledged(res.ackedSequence));
    call.on("error", (err: grpc.ServiceError) => this.broken(call, err));
    call.on("end", () => this.broken(call, undefined));
  }

  private acknowledged(sequence: bigint): void {
    let changed = false;
    for (const [seq, batch] of this.inFlight) {
      if (seq > sequence) continue;
      this.inFlight.delete(seq);
      this.entry.sentUntil = Math.max(this.entry.sentUntil, batch.until);
      this.entry.recordsSent += batch.records;
      changed = true;
    }
    if (changed) this.events.progress();
  }

  private broken(
    call: grpc.ClientDuplexStream<DeliverRequest, DeliverResponse>,
    err?: grpc.ServiceError,
  ) {
    if (this.stopped || this.call !== call) return;
    this.call = undefined;
    const code = err?.code;
    if (code === grpc.status.UNAUTHENTICATED || code === grpc.status.PERMISSION_DENIED) {
      this.log.warn("the receiver refused the delivery", {
        permission_id: this.claims.permissionId,
        code,
        details: err?.details,
      });
      this.finish({ kind: "refused", detail: `the receiver refused: ${err?.details ?? code}` });
      return;
    }
    this.log.info("the delivery stream broke; reopening", {
      permission_id: this.claims.permissionId,
      details: err?.details,
      retry_ms: this.retryMs,
    });
    this.retryTimer = setTimeout(() => this.open(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, 30_000);
  }

  private tick(): void {
    const call = this.call;
    if (this.stopped || call === undefined) return;
    const to = Math.min(this.now(), this.claims.end.getTime());
    const sources = this.sources();
    for (let n = 0; n < maxBatchesPerTick && this.sentUntil < to; n++) {
      const from = this.sentUntil;
      let until = to;
      for (const { sourceId, tags } of this.plan) {
        const intervalMs = sampleIntervalMs(sources, sourceId);
        until = Math.min(
          until,
          from + Math.max(intervalMs, Math.floor(maxRecordsPerBatch / tags.length) * intervalMs),
        );
      }
      const records: EnergyRecord[] = [];
      for (const { sourceId, tags } of this.plan) {
        records.push(
          ...sources.meter(sourceId).readRecords(tags, new Date(from), new Date(until), {
            maxRecords: maxRecordsPerBatch + tags.length,
          }),
        );
      }
      this.sentUntil = until;
      if (records.length === 0) {
        this.entry.sentUntil = Math.max(this.entry.sentUntil, until);
        continue;
      }
      this.sequence++;
      this.inFlight.set(this.sequence, { until, records: records.length });
      call.write(
        create(DeliverRequestSchema, {
          message: { case: "batch", value: { sequence: this.sequence, records } },
        }),
      );
    }
  }
}

function sampleIntervalMs(sources: InstanceSources, sourceId: string): number {
  const d = sources.source(sourceId)?.samplingInterval;
  const ms = d === undefined ? 1000 : Number(d.seconds) * 1000 + Math.floor(d.nanos / 1e6);
  return ms > 0 ? ms : 1000;
}

/** The grpc-js target and credentials for a delivery endpoint ("host:port" or a URL). */
export function endpointOf(endpoint: string): {
  target: string;
  credentials: grpc.ChannelCredentials;
} {
  if (endpoint.startsWith("https://") || endpoint.startsWith("http://")) {
    const url = new URL(endpoint);
    const tls = url.protocol === "https:";
    const port = url.port || (tls ? "443" : "80");
    return {
      target: `${url.hostname}:${port}`,
      credentials: tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure(),
    };
  }
  return { target: endpoint, credentials: grpc.credentials.createInsecure() };
}
