import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import {
  type AttachRequest,
  type AttachResponse,
  AttachResponseSchema,
  type QueryAnswer,
} from "@eddie-marketplace/gen";
import type * as grpc from "@grpc/grpc-js";
import { status as grpcStatus } from "@grpc/grpc-js";

/** Anything {@link NodeRegistry.send} accepts: a message or its init shape. */
export type AttachResponseInit = AttachResponse | MessageInitShape<typeof AttachResponseSchema>;

/** The server side of one Attach stream; responses may be pre-serialized bytes. */
export type AttachCall = grpc.ServerDuplexStream<AttachRequest, AttachResponse | Buffer>;

/** Serializes a message for a stream, once; write the bytes to as many streams as needed. */
export function encodeAttachResponse(message: AttachResponseInit): Buffer {
  const bytes = toBinary(AttachResponseSchema, create(AttachResponseSchema, message));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * One attached AIIDA instance: its live stream, and what the mesh knows of it.
 * Writes are bounded: when more than `maxPendingWrites` messages wait for the
 * network, further writes are refused (`false`) rather than buffered, so one
 * slow home can't make the Marketplace hold memory for it.
 */
export class NodeLink {
  /** Whether a customer has claimed the instance; only claimed ones are searched. */
  claimed: boolean;
  /** When anything was last heard from the instance (ms since epoch). */
  lastHeard: number;
  /** When the current pairing code expires (ms since epoch); 0 when none. */
  pairingExpiresAt = 0;
  private closed = false;

  constructor(
    readonly instanceId: string,
    readonly peerAddress: string,
    private readonly call: AttachCall,
    claimed: boolean,
    private readonly maxPendingWrites: number,
    readonly connectedAt: number = Date.now(),
  ) {
    this.claimed = claimed;
    this.lastHeard = connectedAt;
  }

  /** Whether the stream is still open. */
  get open(): boolean {
    return !this.closed;
  }

  /** Writes pre-serialized bytes; false when the stream is closed or its buffer is full. */
  writeBytes(bytes: Buffer): boolean {
    if (this.closed || this.call.writableLength >= this.maxPendingWrites) return false;
    this.call.write(bytes);
    return true;
  }

  /** Ends the stream with a status the instance sees. */
  close(code: grpc.status, details: string): void {
    if (this.closed) return;
    this.closed = true;
    if (code === grpcStatus.OK) this.call.end();
    else this.call.emit("error", { code, details });
  }

  /** Marks the link closed after the stream ended from the other side. */
  markClosed(): void {
    this.closed = true;
  }
}

/** A non-search message from an attached instance (permission acks and status). */
export type NodeMessage = Extract<
  AttachRequest["message"],
  { case: "permissionAck" } | { case: "permissionStatus" }
>;

/** Where query answers go: the search fan-out. */
export interface AnswerSink {
  /** An answer arrived on `link`'s authenticated stream. */
  answer(link: NodeLink, answer: QueryAnswer): void;
  /** `link`'s stream ended. */
  detached(link: NodeLink): void;
}

type Listener<T extends unknown[]> = (...args: T) => void;

/**
 * The live streams of every attached AIIDA instance on this Marketplace,
 * by instance ID. The one way to reach a node: `send` writes down its stream,
 * `onAttach` says when one (re)connects, so pending work can be re-sent.
 * A newer stream for the same ID replaces the older one.
 *
 * @example
 * registry.onAttach((id) => resendPendingConfigurations(id));
 * registry.send(id, { message: { case: "stopPermission", value: { permissionId, reason } } });
 */
export class NodeRegistry {
  private readonly links = new Map<string, NodeLink>();
  private readonly attachListeners: Listener<[string, NodeLink]>[] = [];
  private readonly detachListeners: Listener<[string, NodeLink]>[] = [];
  private readonly messageListeners: Listener<[string, NodeMessage]>[] = [];
  private answerSink: AnswerSink | undefined;

  /** The number of attached instances. */
  get size(): number {
    return this.links.size;
  }

  /** Whether `instanceId` holds a live stream here. */
  isOnline(instanceId: string): boolean {
    return this.links.get(instanceId.toLowerCase())?.open ?? false;
  }

  /** The live link of `instanceId`, if any. */
  link(instanceId: string): NodeLink | undefined {
    return this.links.get(instanceId.toLowerCase());
  }

  /** Every live link; iterate, don't keep. */
  all(): IterableIterator<NodeLink> {
    return this.links.values();
  }

  /**
   * Sends a message down `instanceId`'s stream. False when the instance is
   * not attached here or its buffer is full; the caller retries on attach.
   */
  send(instanceId: string, message: AttachResponseInit): boolean {
    const link = this.links.get(instanceId.toLowerCase());
    return link?.writeBytes(encodeAttachResponse(message)) ?? false;
  }

  /** Calls `listener(instanceId)` whenever an instance's stream is attached (after welcome). */
  onAttach(listener: (instanceId: string, link: NodeLink) => void): void {
    this.attachListeners.push(listener);
  }

  /** Calls `listener(instanceId)` whenever an instance's stream ends. */
  onDetach(listener: (instanceId: string, link: NodeLink) => void): void {
    this.detachListeners.push(listener);
  }

  /** Calls `listener` for permission acks and status reports from instances. */
  onMessage(listener: (instanceId: string, message: NodeMessage) => void): void {
    this.messageListeners.push(listener);
  }

  /** Routes query answers to the fan-out; one sink per registry. */
  setAnswerSink(sink: AnswerSink): void {
    this.answerSink = sink;
  }

  /** Records that a claim changed, so searches include or skip the instance at once. */
  setClaimed(instanceId: string, claimed: boolean): void {
    const link = this.links.get(instanceId.toLowerCase());
    if (link !== undefined) link.claimed = claimed;
  }

  /** Adds a freshly welcomed link, replacing (and closing) an older one for the same ID. */
  attach(link: NodeLink): void {
    const previous = this.links.get(link.instanceId);
    this.links.set(link.instanceId, link);
    if (previous !== undefined && previous !== link) {
      previous.close(grpcStatus.ABORTED, "a newer stream for this instance replaced this one");
      this.answerSink?.detached(previous);
      for (const l of this.detachListeners) l(previous.instanceId, previous);
    }
    for (const l of this.attachListeners) l(link.instanceId, link);
  }

  /** Removes a link whose stream ended; true when it was the current one. */
  detach(link: NodeLink): boolean {
    link.markClosed();
    if (this.links.get(link.instanceId) !== link) return false;
    this.links.delete(link.instanceId);
    this.answerSink?.detached(link);
    for (const l of this.detachListeners) l(link.instanceId, link);
    return true;
  }

  /** Delivers a message that arrived on `link`'s stream. */
  received(link: NodeLink, message: AttachRequest["message"]): void {
    link.lastHeard = Date.now();
    switch (message.case) {
      case "queryAnswer":
        this.answerSink?.answer(link, message.value);
        return;
      case "permissionAck":
      case "permissionStatus":
        for (const l of this.messageListeners) l(link.instanceId, message);
        return;
      default:
        return;
    }
  }

  /** Closes every stream, for shutdown. */
  closeAll(details: string): void {
    for (const link of [...this.links.values()]) {
      link.close(grpcStatus.UNAVAILABLE, details);
      this.detach(link);
    }
  }
}
