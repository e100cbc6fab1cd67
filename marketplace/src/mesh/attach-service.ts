import { durationFromMs, timestampFromDate, timestampNow } from "@bufbuild/protobuf/wkt";
import { AiidaService, type AttachRequest } from "@eddie-marketplace/gen";
import { grpcServiceDefinition } from "@eddie-marketplace/sdk/grpc-js";
import type { Logger } from "@eddie-marketplace/sdk/log";
import * as grpc from "@grpc/grpc-js";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import {
  defaultPairingPolicy,
  type IssuedCode,
  issuePairingCode,
  type PairingPolicy,
} from "../instances/instance-claiming.js";
import {
  markAllInstancesOffline,
  markInstanceOffline,
  registerInstance,
  storeCapabilities,
} from "../instances/instance-repository.js";
import type { GrpcService } from "../server/node-listener.js";
import { decodeAttachRequest } from "./attach-request-decoder.js";
import { ProofError, verifyHello } from "./node-proof.js";
import {
  type AttachCall,
  encodeAttachResponse,
  NodeLink,
  type NodeRegistry,
} from "./node-registry.js";

/** Tunables of the node-facing mesh; tests shorten them. */
export interface MeshOptions {
  /** How often each instance is pinged; silence for three intervals closes its stream. */
  readonly pingIntervalMs: number;
  /** How long a new stream may take to send its hello. */
  readonly helloTimeoutMs: number;
  /** Messages that may wait for the network per stream before writes are refused. */
  readonly maxPendingWrites: number;
  /** A new pairing code is sent this long before the current one expires. */
  readonly pairingRotateBeforeMs: number;
  readonly pairing: PairingPolicy;
}

/** Production defaults: 30 s pings, 10-minute codes rotated 2 minutes early. */
export const defaultMeshOptions: MeshOptions = {
  pingIntervalMs: 30_000,
  helloTimeoutMs: 10_000,
  maxPendingWrites: 32,
  pairingRotateBeforeMs: 2 * 60_000,
  pairing: defaultPairingPolicy,
};

/** What the mesh is built from. */
export interface MeshDeps {
  readonly db: Kysely<Database>;
  readonly registry: NodeRegistry;
  readonly log: Logger;
  readonly options?: Partial<MeshOptions>;
}

/**
 * The node-facing AiidaService and its background work (pings, pairing-code
 * rotation). Each AIIDA instance attaches with a hello carrying a key proof;
 * the key is pinned at first registration and another key for the same ID is
 * refused with PERMISSION_DENIED; a bad proof is UNAUTHENTICATED.
 */
export class NodeMesh {
  private readonly options: MeshOptions;
  private timer: NodeJS.Timeout | undefined;
  private nonce = 0n;
  private readonly writes = new Set<Promise<unknown>>();
  /** The streams of the current ping round, as they were when it began, and its ticks so far. */
  private round: { links: NodeLink[]; tick: number } = { links: [], tick: 0 };

  constructor(private readonly deps: MeshDeps) {
    this.options = { ...defaultMeshOptions, ...deps.options };
  }

  /** The service for the node-facing listener. Responses may be pre-serialized Buffers. */
  get service(): GrpcService {
    const definition = grpcServiceDefinition(AiidaService) as grpc.ServiceDefinition;
    const attach = definition.attach as grpc.MethodDefinition<AttachRequest, unknown>;
    const serialize = attach.responseSerialize;
    return {
      definition: {
        ...definition,
        attach: {
          ...attach,
          requestDeserialize: decodeAttachRequest,
          responseSerialize: (m: unknown) => (Buffer.isBuffer(m) ? m : serialize(m)),
        },
      },
      drain: () => this.deps.registry.closeAll("the Marketplace is shutting down"),
      implementation: {
        attach: (call: AttachCall) => {
          const attaching = this.attach(call).catch((err: unknown) => {
            this.deps.log.error("cannot register an instance", { err });
            call.emit("error", {
              code: grpc.status.UNAVAILABLE,
              details: "the Marketplace cannot register instances right now; try again later",
            });
          });
          this.writes.add(attaching);
          void attaching.finally(() => this.writes.delete(attaching));
        },
      },
    };
  }

  /**
   * Marks every instance offline: streams don't survive a restart. Call before
   * the node-facing listener accepts streams.
   */
  async prepare(): Promise<void> {
    await markAllInstancesOffline(this.deps.db);
  }

  /** Starts pings and pairing-code rotation. */
  async start(): Promise<void> {
    const ticks = pingTicksPerInterval(this.options.pingIntervalMs);
    this.timer = setInterval(() => void this.tick(ticks), this.options.pingIntervalMs / ticks);
    this.timer.unref();
  }

  /** Stops background work, ends every stream and waits for pending writes. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.deps.registry.closeAll("the Marketplace is shutting down");
    await Promise.allSettled([...this.writes]);
    await markAllInstancesOffline(this.deps.db);
  }

  /** Resolves once every database write started so far has finished. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.writes]);
  }

  /** Runs a background database write, so `stop` can wait for it. */
  private track(write: Promise<unknown>, what: string, instanceId: string): void {
    const p = write
      .catch((err) => this.deps.log.warn(`cannot ${what}`, { err, instance_id: instanceId }))
      .finally(() => this.writes.delete(p));
    this.writes.add(p);
  }

  private async attach(call: AttachCall): Promise<void> {
    const { log } = this.deps;
    const peerAddress = peerIp(call.getPeer());
    // What the stream's listeners share. It lives as long as the stream, so
    // it holds nothing of the hello once that is handled.
    const stream: {
      link?: NodeLink;
      ended: boolean;
      /** Takes the first message (undefined: the stream ended first). */
      first?: (req: AttachRequest | undefined) => void;
      /** Messages that came after the hello, before the welcome. */
      early: AttachRequest[];
    } = { ended: false, early: [] };
    call.on("data", (req: AttachRequest) => {
      if (stream.link !== undefined) this.onMessage(stream.link, req);
      else if (stream.first !== undefined) stream.first(req);
      else stream.early.push(req);
    });
    const finish = () => {
      stream.ended = true;
      stream.first?.(undefined);
      const link = stream.link;
      if (link !== undefined && this.deps.registry.detach(link)) {
        this.track(
          markInstanceOffline(this.deps.db, link.instanceId, new Date()),
          "mark instance offline",
          link.instanceId,
        );
      }
    };
    call.on("end", finish);
    call.on("cancelled", finish);
    call.on("error", finish);
    call.on("close", finish);

    const first = await new Promise<AttachRequest | undefined>((resolve) => {
      const timer = setTimeout(() => stream.first?.(undefined), this.options.helloTimeoutMs);
      stream.first = (req) => {
        stream.first = undefined;
        clearTimeout(timer);
        resolve(req);
      };
    });
    const h = first?.message.case === "hello" ? first.message.value : undefined;
    if (h === undefined) {
      if (!stream.ended) {
        call.emit("error", {
          code: grpc.status.UNAUTHENTICATED,
          details: "the first message must be a hello",
        });
      }
      return;
    }
    let identity: Awaited<ReturnType<typeof verifyHello>>;
    try {
      identity = await verifyHello(h);
    } catch (err) {
      const details = err instanceof ProofError ? err.message : "the hello could not be checked";
      log.info("hello refused", { peer: peerAddress, reason: details });
      call.emit("error", { code: grpc.status.UNAUTHENTICATED, details });
      return;
    }
    const now = new Date();
    const outcome = await registerInstance(
      this.deps.db,
      {
        instanceId: identity.instanceId,
        publicKeyJwk: identity.publicKeyJwk,
        thumbprint: identity.thumbprint,
        version: h.version,
        advertisedAddress: h.advertisedAddress,
        peerAddress,
      },
      now,
    );
    if (!outcome.accepted) {
      log.warn("hello with another key for a known instance", {
        instance_id: identity.instanceId,
        peer: peerAddress,
      });
      call.emit("error", {
        code: grpc.status.PERMISSION_DENIED,
        details: "another key is registered for this instance ID",
      });
      return;
    }
    if (stream.ended) {
      await markInstanceOffline(this.deps.db, identity.instanceId, new Date());
      return;
    }
    const code = outcome.claimed
      ? undefined
      : await issuePairingCode(this.deps.db, identity.instanceId, now, this.options.pairing);
    const l = new NodeLink(
      identity.instanceId,
      peerAddress,
      call,
      outcome.claimed,
      this.options.maxPendingWrites,
    );
    if (code !== undefined) l.pairingExpiresAt = code.expiresAt.getTime();
    l.writeBytes(
      encodeAttachResponse({
        message: {
          case: "welcome",
          value: {
            claimed: outcome.claimed,
            pairingCode: code === undefined ? undefined : pairingCodeMessage(code),
            pingInterval: durationFromMs(this.options.pingIntervalMs),
            serverTime: timestampNow(),
          },
        },
      }),
    );
    if (stream.ended) {
      this.track(
        markInstanceOffline(this.deps.db, l.instanceId, new Date()),
        "mark instance offline",
        l.instanceId,
      );
      return;
    }
    stream.link = l;
    this.deps.registry.attach(l);
    log.debug("instance attached", {
      instance_id: l.instanceId,
      peer: peerAddress,
      first_time: outcome.firstTime,
    });
    for (const req of stream.early.splice(0)) this.onMessage(l, req);
  }

  private onMessage(link: NodeLink, req: AttachRequest): void {
    switch (req.message.case) {
      case "hello":
        link.close(grpc.status.FAILED_PRECONDITION, "hello is only allowed as the first message");
        return;
      case "capabilities":
        link.lastHeard = Date.now();
        this.track(
          storeCapabilities(this.deps.db, link.instanceId, req.message.value),
          "store capabilities",
          link.instanceId,
        );
        return;
      default:
        this.deps.registry.received(link, req.message);
    }
  }

  /**
   * Sends a new pairing code to an attached unclaimed instance (after a
   * release, or before its code expires). Returns the code, or undefined when
   * the instance is not attached here.
   */
  async sendNewPairingCode(instanceId: string, now = new Date()): Promise<IssuedCode | undefined> {
    const link = this.deps.registry.link(instanceId);
    if (link === undefined) return undefined;
    const code = await issuePairingCode(this.deps.db, link.instanceId, now, this.options.pairing);
    link.pairingExpiresAt = code.expiresAt.getTime();
    link.writeBytes(
      encodeAttachResponse({ message: { case: "pairingCode", value: pairingCodeMessage(code) } }),
    );
    return code;
  }

  /** Tells an attached instance that it was claimed or released. */
  async claimChanged(instanceId: string, claimed: boolean): Promise<void> {
    const { registry } = this.deps;
    registry.setClaimed(instanceId, claimed);
    registry.send(instanceId, { message: { case: "claimStatus", value: { claimed } } });
    const link = registry.link(instanceId);
    if (link === undefined) return;
    if (claimed) link.pairingExpiresAt = 0;
    else await this.sendNewPairingCode(instanceId);
  }

  /**
   * One tick of `ticks` per ping interval. A round visits every stream once
   * per interval, a slice per tick, so that thousands of streams are not all
   * written a ping in one turn of the event loop (blocking searches meanwhile)
   * and do not all answer at once. A visit closes a stream silent for three
   * intervals, pings the others, and rotates an unclaimed instance's pairing
   * code before it expires. Streams attached during a round wait for the next.
   */
  private async tick(ticks: number): Promise<void> {
    const round = this.round;
    if (round.tick === 0) round.links = [...this.deps.registry.all()];
    // The tick-th of `ticks` equal slices of the round's streams.
    const sliceEnd = (tick: number) => Math.ceil((round.links.length * tick) / ticks);
    const due = round.links.slice(sliceEnd(round.tick), sliceEnd(round.tick + 1));
    round.tick++;
    if (round.tick === ticks) {
      round.tick = 0;
      round.links = [];
    }
    const now = Date.now();
    const silentFor = 3 * this.options.pingIntervalMs;
    this.nonce++;
    const ping = encodeAttachResponse({ message: { case: "ping", value: { nonce: this.nonce } } });
    const rotate: string[] = [];
    for (const link of due) {
      // Replaced by a newer stream of the same instance, or gone, since the round began.
      if (this.deps.registry.link(link.instanceId) !== link) continue;
      if (now - link.lastHeard > silentFor) {
        link.close(grpc.status.UNAVAILABLE, "no answer to pings");
        if (this.deps.registry.detach(link)) {
          this.track(
            markInstanceOffline(this.deps.db, link.instanceId, new Date()),
            "mark instance offline",
            link.instanceId,
          );
        }
        continue;
      }
      link.writeBytes(ping);
      if (
        !link.claimed &&
        link.pairingExpiresAt > 0 &&
        link.pairingExpiresAt - now < this.options.pairingRotateBeforeMs
      ) {
        rotate.push(link.instanceId);
      }
    }
    for (const id of rotate) {
      await this.sendNewPairingCode(id).catch((err) =>
        this.deps.log.warn("cannot rotate pairing code", { err, instance_id: id }),
      );
    }
  }
}

/**
 * Into how many ticks a ping interval is divided: about one a second, and at
 * least 10, so that a tick pings a tenth of the streams at most.
 */
export function pingTicksPerInterval(pingIntervalMs: number): number {
  return Math.max(10, Math.round(pingIntervalMs / 1000));
}

function pairingCodeMessage(code: IssuedCode) {
  return { code: code.code, expiresAt: timestampFromDate(code.expiresAt) };
}

/** The IP address in a grpc-js peer string ("ipv4:1.2.3.4:5", "[::1]:5", "1.2.3.4:5"). */
export function peerIp(peer: string): string {
  const bare = peer.replace(/^ipv[46]:/, "");
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(bare);
  if (bracketed?.[1] !== undefined) return bracketed[1];
  const colons = bare.split(":").length - 1;
  if (colons === 1) return bare.slice(0, bare.lastIndexOf(":"));
  return bare;
}
