import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  Asset,
  type DeliverRequest,
  DeliverRequestSchema,
  type DeliverResponse,
  IngestService,
  ObisCode,
  Schema,
} from "@eddie-marketplace/gen";
import * as grpc from "@grpc/grpc-js";
import { createLocalJWKSet, exportJWK, generateKeyPair, type JSONWebKeySet, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grpcServiceDefinition } from "../grpc-js.js";
import { GRANT_ALGORITHM, GRANT_TYPE, type GrantClaims, grantPayload } from "./grant.js";
import {
  type IngestReceiver,
  type RefusedDelivery,
  startIngestReceiver,
} from "./ingest-receiver.js";

type Key = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

const Client = grpc.makeGenericClientConstructor(
  grpcServiceDefinition(IngestService) as grpc.ServiceDefinition,
  "IngestService",
);

function claims(fields: Partial<GrantClaims> = {}): GrantClaims {
  const now = Date.now();
  return {
    permissionId: "perm-1",
    instanceId: "inst-1",
    organisationId: "acme",
    organisationName: "Acme Energy",
    dataRequestId: "dr-1",
    dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY],
    schemas: [Schema.SMART_METER_P1_RAW],
    asset: Asset.CONNECTION_AGREEMENT_POINT,
    transmissionSchedule: "* * * * * *",
    deliveryEndpoint: "127.0.0.1:1",
    start: new Date(now - 60_000),
    end: new Date(now + 3_600_000),
    ...fields,
  };
}

function sign(c: GrantClaims, key: Key, kid: string): Promise<string> {
  return new SignJWT(grantPayload(c, new Date()))
    .setProtectedHeader({ alg: GRANT_ALGORITHM, typ: GRANT_TYPE, kid })
    .sign(key);
}

/** Opens a delivery with `grant`, sends `records`, and returns how the stream ended. */
async function deliver(
  port: number,
  grant: string,
  records: { tag: ObisCode; at: number }[],
): Promise<{ acked: bigint[]; code: grpc.status }> {
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = (
    client as unknown as { deliver(): grpc.ClientDuplexStream<DeliverRequest, DeliverResponse> }
  ).deliver();
  const acked: bigint[] = [];
  const ended = new Promise<grpc.status>((resolve) => {
    call.on("data", (r: DeliverResponse) => {
      acked.push(r.ackedSequence);
      if (acked.length === 1) call.end();
    });
    call.on("error", (e: grpc.ServiceError) => resolve(e.code));
    call.on("status", (s: grpc.StatusObject) => resolve(s.code));
  });
  call.write(create(DeliverRequestSchema, { message: { case: "open", value: { grant } } }));
  call.write(
    create(DeliverRequestSchema, {
      message: {
        case: "batch",
        value: {
          sequence: 1n,
          records: records.map((r) => ({
            dataTag: r.tag,
            value: 1.5,
            measuredAt: timestampFromMs(r.at),
            dataSourceId: "main-meter",
          })),
        },
      },
    }),
  );
  const code = await ended;
  client.close();
  return { acked, code };
}

describe("the eligible party's receiver", () => {
  let receiver: IngestReceiver;
  let key: Key;
  let otherKey: Key;
  const refused: RefusedDelivery[] = [];

  beforeAll(async () => {
    const pair = await generateKeyPair(GRANT_ALGORITHM, { crv: "Ed25519", extractable: true });
    key = pair.privateKey;
    otherKey = (await generateKeyPair(GRANT_ALGORITHM, { crv: "Ed25519" })).privateKey;
    const jwks: JSONWebKeySet = {
      keys: [{ ...(await exportJWK(pair.publicKey)), kid: "mp-1", alg: GRANT_ALGORITHM }],
    };
    receiver = await startIngestReceiver({
      organisationId: "acme",
      marketplace: createLocalJWKSet(jwks),
      onRefused: (r) => refused.push(r),
    });
  });
  afterAll(() => receiver?.close());

  it("accepts records under a good grant and hands them out with their permission", async () => {
    const abort = new AbortController();
    const iterator = receiver.records(abort.signal)[Symbol.asyncIterator]();
    const grant = await sign(claims(), key, "mp-1");
    const result = await deliver(receiver.port, grant, [
      { tag: ObisCode.POSITIVE_ACTIVE_ENERGY, at: Date.now() - 1000 },
    ]);
    expect(result.acked).toEqual([1n]);
    expect(result.code).toBe(grpc.status.OK);
    const first = await iterator.next();
    expect(first.value).toMatchObject({
      permissionId: "perm-1",
      instanceId: "inst-1",
      dataTag: ObisCode.POSITIVE_ACTIVE_ENERGY,
      value: 1.5,
    });
    abort.abort();
    expect((await iterator.next()).done).toBe(true);
  });

  it("refuses a grant signed by another key", async () => {
    const forged = await sign(claims(), otherKey, "mp-1");
    const result = await deliver(receiver.port, forged, [
      { tag: ObisCode.POSITIVE_ACTIVE_ENERGY, at: Date.now() },
    ]);
    expect(result.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(result.acked).toEqual([]);
  });

  it("refuses a grant whose claims were altered after signing", async () => {
    const grant = await sign(claims(), key, "mp-1");
    const [header, payload, signature] = grant.split(".");
    const body = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as Record<
      string,
      unknown
    >;
    body.data_tags = ["1-0:1.8.0", "1-0:32.7.0"];
    const altered = `${header}.${Buffer.from(JSON.stringify(body)).toString("base64url")}.${signature}`;
    const result = await deliver(receiver.port, altered, [
      { tag: ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L1, at: Date.now() },
    ]);
    expect(result.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(refused.at(-1)?.reason).toContain("signature");
  });

  it("refuses a grant made out to another eligible party", async () => {
    const grant = await sign(claims({ organisationId: "rival" }), key, "mp-1");
    const result = await deliver(receiver.port, grant, [
      { tag: ObisCode.POSITIVE_ACTIVE_ENERGY, at: Date.now() },
    ]);
    expect(result.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it("refuses data tags the grant does not name, and records outside its period", async () => {
    const grant = await sign(claims(), key, "mp-1");
    const tag = await deliver(receiver.port, grant, [
      { tag: ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L1, at: Date.now() },
    ]);
    expect(tag.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(refused.at(-1)?.reason).toContain("1-0:32.7.0");
    const early = await deliver(receiver.port, grant, [
      { tag: ObisCode.POSITIVE_ACTIVE_ENERGY, at: Date.now() - 86_400_000 },
    ]);
    expect(early.code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it("refuses, saying why, when the Marketplace's keys can't be fetched", async () => {
    const reasons: string[] = [];
    const blind = await startIngestReceiver({
      organisationId: "acme",
      marketplace: "http://127.0.0.1:1",
      onRefused: (r) => reasons.push(r.reason),
    });
    try {
      const grant = await sign(claims(), key, "mp-1");
      const result = await deliver(blind.port, grant, [
        { tag: ObisCode.POSITIVE_ACTIVE_ENERGY, at: Date.now() },
      ]);
      expect(result.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(reasons[0]).toContain("keys could not be fetched");
    } finally {
      await blind.close();
    }
  });

  it("refuses an expired grant", async () => {
    const grant = await sign(
      claims({ start: new Date(Date.now() - 7_200_000), end: new Date(Date.now() - 3_600_000) }),
      key,
      "mp-1",
    );
    const result = await deliver(receiver.port, grant, [
      { tag: ObisCode.POSITIVE_ACTIVE_ENERGY, at: Date.now() - 5_000_000 },
    ]);
    expect(result.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(refused.at(-1)?.reason).toContain("expired");
  });
});
