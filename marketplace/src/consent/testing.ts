import { randomUUID } from "node:crypto";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import {
  Asset,
  type AttachResponseSchema,
  type DataRequest,
  DataRequestSchema,
  ItemStatus,
  ObisCode,
  Schema,
} from "@eddie-marketplace/gen";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import type { AccessSources } from "./access-sources.js";
import { databaseAccessSources } from "./access-sources.js";
import type { NodeChannel, PermissionReport } from "./permission-relay.js";

/**
 * A published data request for tests: energy import and power import, every
 * second, for ten days from approval, delivered to `deliveryEndpoint`.
 */
export function testDataRequest(
  organisation: { id: string; name: string },
  fields: { deliveryEndpoint?: string; schedule?: string; end?: string } = {},
): DataRequest {
  return create(DataRequestSchema, {
    id: randomUUID(),
    organisation,
    status: ItemStatus.PUBLISHED,
    countries: ["AT"],
    deliveryEndpoint: fields.deliveryEndpoint ?? "127.0.0.1:50099",
    createdAt: timestampNow(),
    publishedAt: timestampNow(),
    dataNeed: {
      name: "Heat pump optimisation",
      description: "We shift your heat pump to the cheapest hours.",
      purpose: "Optimising heat pump operation against dynamic tariffs.",
      policyLink: "https://ep.example/privacy",
      duration: { kind: { case: "relative", value: { start: "P0D", end: fields.end ?? "P10D" } } },
      transmissionSchedule: fields.schedule ?? "* * * * * *",
      schemas: [Schema.SMART_METER_P1_RAW],
      asset: Asset.CONNECTION_AGREEMENT_POINT,
      dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY, ObisCode.POSITIVE_ACTIVE_INSTANTANEOUS_POWER],
    },
  });
}

/**
 * Access sources over the real search-run and instance tables, with data
 * requests from an in-memory map (the catalog is not under test here).
 */
export function testAccessSources(requests: Map<string, DataRequest>): AccessSources {
  return databaseAccessSources(async (_db, id) => requests.get(id));
}

/**
 * Stores AIIDA instances (claimed by `owner`, or unclaimed when null) and a
 * completed search run of `organisationId` that matched them all.
 */
export async function seedSearchRun(
  db: Kysely<Database>,
  run: {
    organisationId: string;
    dataRequestId: string;
    matches: readonly { instanceId: string; owner: string | null }[];
    state?: "running" | "completed" | "cancelled";
  },
): Promise<string> {
  const id = randomUUID();
  for (const m of run.matches) {
    await db
      .insertInto("aiida_instance")
      .values({
        instance_id: m.instanceId,
        public_key_jwk: "{}",
        key_thumbprint: `tp-${m.instanceId}`,
        version: "test",
        advertised_address: "http://aiida.local",
        peer_address: "127.0.0.1",
        claimed_by: m.owner,
        claimed_at: m.owner === null ? null : new Date(),
      })
      .onConflict((oc) => oc.column("instance_id").doNothing())
      .execute();
  }
  await db
    .insertInto("search_run")
    .values({
      id,
      data_request_id: run.dataRequestId,
      organisation_id: run.organisationId,
      requested_by: "ep-user",
      state: run.state ?? "completed",
      asked: run.matches.length,
      matched: run.matches.length,
      not_matched: 0,
      offline: 0,
      timed_out: 0,
      skipped_unclaimed: 0,
      deadline: new Date(),
      finished_at: new Date(),
      matched_instance_ids: run.matches.map((m) => m.instanceId),
    })
    .execute();
  return id;
}

/**
 * A node channel for tests of the relay: instances are "online" once
 * `attach` is called, every message sent is recorded, and `report` plays an
 * instance's answer.
 */
export class RecordingChannel implements NodeChannel {
  readonly online = new Set<string>();
  readonly sent: { instanceId: string; message: MessageInitShape<typeof AttachResponseSchema> }[] =
    [];
  private readonly attachListeners: ((id: string) => void)[] = [];
  private readonly messageListeners: ((id: string, m: PermissionReport) => void)[] = [];
  private readonly waiters: (() => void)[] = [];

  isOnline(instanceId: string): boolean {
    return this.online.has(instanceId);
  }
  send(instanceId: string, message: MessageInitShape<typeof AttachResponseSchema>): boolean {
    if (!this.online.has(instanceId)) return false;
    this.sent.push({ instanceId, message });
    for (const w of this.waiters.splice(0)) w();
    return true;
  }
  onAttach(listener: (instanceId: string) => void): void {
    this.attachListeners.push(listener);
  }
  onMessage(listener: (instanceId: string, message: PermissionReport) => void): void {
    this.messageListeners.push(listener);
  }
  /** The instance (re)connects. */
  attach(instanceId: string): void {
    this.online.add(instanceId);
    for (const l of this.attachListeners) l(instanceId);
  }
  /** The instance goes away. */
  detach(instanceId: string): void {
    this.online.delete(instanceId);
  }
  /** The instance sends a permission report up its stream. */
  report(instanceId: string, message: PermissionReport): void {
    for (const l of this.messageListeners) l(instanceId, message);
  }
  /** Waits until a sent message satisfies `match`. */
  async waitFor(
    match: (s: {
      instanceId: string;
      message: MessageInitShape<typeof AttachResponseSchema>;
    }) => boolean,
    timeoutMs = 10_000,
  ) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.sent.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error("the expected message was not sent in time");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}
