import { randomUUID } from "node:crypto";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  AiidaService,
  type AttachRequest,
  AttachRequestSchema,
  type AttachResponse,
  type Query,
} from "@eddie-marketplace/gen";
import { grpcServiceDefinition } from "@eddie-marketplace/sdk/grpc-js";
import { silentLogger } from "@eddie-marketplace/sdk/log";
import * as grpc from "@grpc/grpc-js";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { HealthStatus } from "../health/health-status.js";
import { listenNodeFacing } from "../server/node-listener.js";
import { type MeshOptions, NodeMesh } from "./attach-service.js";
import { proofAudience } from "./node-proof.js";
import { NodeRegistry } from "./node-registry.js";

/** grpc-js status codes, for tests that check how a stream ended. */
export { status as grpcStatus } from "@grpc/grpc-js";

type AnyMessage = NonNullable<AttachResponse["message"]["case"]>;
/** The value of an AttachResponse of kind `K`. */
export type ResponseValue<K extends AnyMessage> = Extract<
  AttachResponse["message"],
  { case: K }
>["value"];

/** A bare AIIDA instance for tests of the node-facing side: one real grpc-js stream. */
export interface TestNode {
  readonly instanceId: string;
  /** Every message received so far. */
  readonly received: AttachResponse[];
  /** Resolves with the next (or an already received, unconsumed) message of `kind`. */
  next<K extends AnyMessage>(kind: K): Promise<ResponseValue<K>>;
  /** Sends a message up the stream. */
  send(message: MessageInitShape<typeof AttachRequestSchema>): void;
  /** Resolves with the status the stream ended with. */
  readonly ended: Promise<grpc.StatusObject>;
  /** Ends the stream and the connection. */
  close(): void;
}

/** An instance identity: ID and Ed25519 key pair. Reuse it to reconnect as the same instance. */
export interface TestIdentity {
  readonly instanceId: string;
  readonly privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
  readonly publicJwk: JWK;
}

/** Makes a fresh instance identity. */
export async function testIdentity(instanceId: string = randomUUID()): Promise<TestIdentity> {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  return { instanceId, privateKey, publicJwk: await exportJWK(publicKey) };
}

/** A hello proof JWT as an instance signs it. */
export async function helloProof(
  id: TestIdentity,
  options: { audience?: string; lifetimeSeconds?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "EdDSA" })
    .setIssuer(id.instanceId)
    .setSubject(id.instanceId)
    .setAudience(options.audience ?? proofAudience)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.lifetimeSeconds ?? 120))
    .sign(id.privateKey);
}

/**
 * Connects a bare test instance to the node-facing listener at `target`
 * ("127.0.0.1:port") and sends its hello. With `answer`, it answers every
 * query it receives; otherwise the test answers (or doesn't) by hand.
 *
 * @example
 * const node = await connectTestNode("127.0.0.1:50051", { identity: await testIdentity() });
 * const welcome = await node.next("welcome");
 */
export async function connectTestNode(
  target: string,
  options: {
    identity: TestIdentity;
    /** Overrides the hello's fields (to send bad ones). */
    hello?: Partial<{ publicKeyJwk: string; proof: string; version: string }>;
    answer?: (query: Query) => boolean | undefined;
    /** Whether to answer pings (default true). */
    pong?: boolean;
  },
): Promise<TestNode> {
  const { identity } = options;
  const Client = grpc.makeGenericClientConstructor(
    grpcServiceDefinition(AiidaService) as grpc.ServiceDefinition,
    "AiidaService",
  );
  const client = new Client(target, grpc.credentials.createInsecure(), {
    "grpc.use_local_subchannel_pool": 1,
  });
  const call = (
    client as unknown as { attach(): grpc.ClientDuplexStream<AttachRequest, AttachResponse> }
  ).attach();
  const received: AttachResponse[] = [];
  const unconsumed: AttachResponse[] = [];
  const waiters: { kind: string; resolve: (m: AttachResponse) => void }[] = [];
  call.on("data", (m: AttachResponse) => {
    received.push(m);
    if (m.message.case === "query" && options.answer !== undefined) {
      const match = options.answer(m.message.value);
      if (match !== undefined) {
        call.write(
          create(AttachRequestSchema, {
            message: { case: "queryAnswer", value: { queryId: m.message.value.queryId, match } },
          }),
        );
      }
    }
    if (m.message.case === "ping" && options.pong !== false) {
      call.write(
        create(AttachRequestSchema, {
          message: { case: "pong", value: { nonce: m.message.value.nonce } },
        }),
      );
    }
    const i = waiters.findIndex((w) => w.kind === m.message.case);
    const waiter = i < 0 ? undefined : waiters.splice(i, 1)[0];
    if (waiter !== undefined) waiter.resolve(m);
    else unconsumed.push(m);
  });
  const ended = new Promise<grpc.StatusObject>((resolve) => {
    call.on("status", resolve);
    call.on("error", () => {});
  });
  call.write(
    create(AttachRequestSchema, {
      message: {
        case: "hello",
        value: {
          instanceId: identity.instanceId,
          version: options.hello?.version ?? "test-1.0",
          advertisedAddress: "http://192.168.1.20:8080",
          publicKeyJwk: options.hello?.publicKeyJwk ?? JSON.stringify(identity.publicJwk),
          proof: options.hello?.proof ?? (await helloProof(identity)),
        },
      },
    }),
  );
  return {
    instanceId: identity.instanceId,
    received,
    next<K extends AnyMessage>(kind: K): Promise<ResponseValue<K>> {
      const i = unconsumed.findIndex((m) => m.message.case === kind);
      const found = i < 0 ? undefined : unconsumed.splice(i, 1)[0];
      const take = (m: AttachResponse): unknown => m.message.value;
      if (found !== undefined) return Promise.resolve(take(found)) as Promise<ResponseValue<K>>;
      return new Promise<AttachResponse>((resolve) => waiters.push({ kind, resolve })).then(
        take,
      ) as Promise<ResponseValue<K>>;
    },
    send(message) {
      call.write(create(AttachRequestSchema, message));
    },
    ended,
    close() {
      call.cancel();
      client.close();
    },
  };
}

/** A node-facing listener on port 0 serving the mesh, for tests. */
export interface TestMesh {
  readonly registry: NodeRegistry;
  readonly mesh: NodeMesh;
  /** "127.0.0.1:port" to connect test nodes to. */
  readonly target: string;
  close(): Promise<void>;
}

/**
 * Serves the real AiidaService over grpc-js on 127.0.0.1:0 with `db`.
 *
 * @example
 * const mesh = await startTestMesh(db);
 * const node = await connectTestNode(mesh.target, { identity: await testIdentity() });
 */
export async function startTestMesh(
  db: Kysely<Database>,
  options: Partial<MeshOptions> = {},
): Promise<TestMesh> {
  const registry = new NodeRegistry();
  const mesh = new NodeMesh({ db, registry, log: silentLogger, options });
  await mesh.prepare();
  const shutdown = new AbortController();
  const listener = await listenNodeFacing({
    host: "127.0.0.1",
    port: 0,
    maxMessageBytes: 1 << 20,
    health: new HealthStatus(),
    shutdown: shutdown.signal,
    services: [mesh.service],
  });
  await mesh.start();
  return {
    registry,
    mesh,
    target: `127.0.0.1:${listener.port}`,
    async close() {
      shutdown.abort();
      await mesh.stop();
      await listener.close(1000);
    },
  };
}

/** Resolves once `registry` holds a live stream for `instanceId`. */
export function attached(registry: NodeRegistry, instanceId: string): Promise<void> {
  if (registry.isOnline(instanceId)) return Promise.resolve();
  return new Promise((resolve) =>
    registry.onAttach((id) => {
      if (id === instanceId) resolve();
    }),
  );
}

/** Resolves once `instanceId`'s stream has left `registry`. */
export function detached(registry: NodeRegistry, instanceId: string): Promise<void> {
  if (!registry.isOnline(instanceId)) return Promise.resolve();
  return new Promise((resolve) =>
    registry.onDetach((id) => {
      if (id === instanceId) resolve();
    }),
  );
}
