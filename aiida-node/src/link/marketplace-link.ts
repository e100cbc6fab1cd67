import type { MessageInitShape } from "@bufbuild/protobuf";
import { durationMs, timestampMs } from "@bufbuild/protobuf/wkt";
import {
  AiidaService,
  type AttachRequestSchema,
  type AttachResponse,
  type ConfigurePermission,
  DeliveryStatus,
  type PairingCode,
  type Query,
  type StopPermission,
  type Welcome,
} from "@eddie-marketplace/gen";
import { grpcServiceDefinition } from "@eddie-marketplace/sdk/grpc-js";
import { type Logger, silentLogger } from "@eddie-marketplace/sdk/log";
import * as grpc from "@grpc/grpc-js";
import { signHelloProof } from "../identity/hello-proof.js";
import type { InstanceIdentity } from "../identity/instance-identity.js";
import { evaluateQuery } from "../query/query-evaluator.js";
import type { InstanceSources } from "../sources/instance-sources.js";
import type {
  PermissionContext,
  PermissionHandler,
  PermissionStatusInit,
} from "./permission-handler.js";
import { type BackoffOptions, GRPC_BACKOFF, ReconnectBackoff } from "./reconnect-backoff.js";

type AttachRequestInit = MessageInitShape<typeof AttachRequestSchema>;

const attach = grpcServiceDefinition(AiidaService).attach;
const serialize = attach.requestSerialize as (value: AttachRequestInit) => Buffer;
const deserialize = attach.responseDeserialize as (bytes: Buffer) => AttachResponse;

/**
 * Where the link stands:
 * - `connecting`: dialling, hello sent, waiting for `welcome`;
 * - `attached`: welcomed, answering queries;
 * - `backing-off`: the stream broke; waiting before the next attempt;
 * - `refused`: the Marketplace refused the hello (bad proof, or another key
 *   is pinned for this ID); still retrying, with growing waits;
 * - `stopped`: `stop()` was called.
 */
export type LinkState = "connecting" | "attached" | "backing-off" | "refused" | "stopped";

/** A snapshot of the link, as the status page shows it. */
export interface LinkStatus {
  readonly state: LinkState;
  /** Whether a customer has claimed the instance; undefined before the first welcome. */
  readonly claimed: boolean | undefined;
  /** The pairing code to show while unclaimed. */
  readonly pairingCode: { readonly code: string; readonly expiresAt: Date | undefined } | undefined;
  /** Connection attempts so far. */
  readonly attempts: number;
  /** When the current stream was welcomed. */
  readonly attachedAt: Date | undefined;
  /** Why the last stream ended, in words. */
  readonly lastError: string | undefined;
}

/** What a link reports; each event has zero or more listeners. */
export interface LinkEvents {
  /** The link's status changed (state, claim or pairing code). */
  status: (status: LinkStatus) => void;
  /** A `welcome` arrived. */
  welcome: (welcome: Welcome) => void;
  /** A new pairing code is to be shown. */
  pairingCode: (code: { code: string; expiresAt: Date | undefined }) => void;
  /** The instance was claimed or released. */
  claimStatus: (claimed: boolean) => void;
  /** A query was answered. */
  query: (query: Query, match: boolean) => void;
  /** The stream ended; the next attempt follows in `delayMs`. */
  retry: (info: { delayMs: number; code: grpc.status; details: string }) => void;
}

/** How to build a link. */
export interface LinkOptions {
  /** The Marketplace's node listener, `host:port`. */
  readonly target: string;
  readonly identity: InstanceIdentity;
  readonly sources: InstanceSources;
  /** The software version sent in `hello`. */
  readonly version: string;
  /** The status page URL sent in `hello`. */
  readonly advertisedAddress: string;
  readonly log?: Logger;
  /** Defaults to plain-text HTTP/2. */
  readonly credentials?: grpc.ChannelCredentials;
  /** Defaults to the gRPC backoff (1 s, x1.6, jitter 0.2, 120 s). */
  readonly backoff?: BackoffOptions;
  /** HTTP/2 keepalive ping interval; 45 s by default. */
  readonly keepaliveMs?: number;
  /** Receives permission configurations; without one they are declined. */
  readonly permissions?: PermissionHandler;
  /** Largest message accepted from the Marketplace; 4 MiB by default. */
  readonly maxMessageBytes?: number;
}

/**
 * The one long-lived stream from an AIIDA instance to the Marketplace
 * (`AiidaService.Attach`), dialled out from the home. It says hello with a
 * fresh key proof, advertises the sources after `welcome`, answers queries
 * and pings, tracks claiming and pairing codes, and hands permission
 * messages to a `PermissionHandler`. When the stream breaks, for whatever
 * reason, it dials again after the gRPC backoff, on a new connection of its
 * own (never shared with other links in the process).
 *
 * @example
 * const link = new MarketplaceLink({ target: "127.0.0.1:50051", identity, sources,
 *   version: "0.1.0", advertisedAddress: "http://127.0.0.1:8090/" });
 * link.on("pairingCode", ({ code }) => console.log(code));
 * link.start();
 */
export class MarketplaceLink {
  private readonly options: LinkOptions;
  private readonly log: Logger;
  private readonly backoff: ReconnectBackoff;
  private readonly listeners: { [K in keyof LinkEvents]?: LinkEvents[K][] } = {};
  private readonly context: PermissionContext;
  /** Acks and statuses not yet sent, by key; flushed after each welcome. */
  private readonly pending = new Map<string, AttachRequestInit>();
  private sources: InstanceSources;
  private permissions: PermissionHandler | undefined;
  private client: grpc.Client | undefined;
  private call: grpc.ClientDuplexStream<AttachRequestInit, AttachResponse> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private lastHeardAt = 0;
  private current: LinkStatus = {
    state: "stopped",
    claimed: undefined,
    pairingCode: undefined,
    attempts: 0,
    attachedAt: undefined,
    lastError: undefined,
  };
  private running = false;
  /** Counts start() calls, so a dial begun before a stop() never completes after it. */
  private generation = 0;

  constructor(options: LinkOptions) {
    this.options = options;
    this.log = (options.log ?? silentLogger).child({ instance_id: options.identity.instanceId });
    this.backoff = new ReconnectBackoff(options.backoff ?? GRPC_BACKOFF);
    this.sources = options.sources;
    this.permissions = options.permissions;
    const link = this;
    this.context = {
      instanceId: options.identity.instanceId,
      get sources() {
        return link.sources;
      },
      reportStatus: (status) => link.reportStatus(status),
    };
  }

  /** The instance's ID. */
  get instanceId(): string {
    return this.options.identity.instanceId;
  }

  /** The link's current status. */
  get status(): LinkStatus {
    return this.current;
  }

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof LinkEvents>(event: K, listener: LinkEvents[K]): () => void {
    const list: LinkEvents[K][] = this.listeners[event] ?? [];
    this.listeners[event] = list as (typeof this.listeners)[K];
    list.push(listener);
    return () => {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /**
   * What the permission handler gets with every message. It works outside
   * one too, before `start()` and before the first message: hand it to
   * whatever reports on its own, for example deliveries resumed after a
   * restart (see {@link reportStatus}).
   */
  get permissionContext(): PermissionContext {
    return this.context;
  }

  /**
   * Reports a permission's delivery status to the Marketplace as
   * `permission_status`. Sent at once while attached; otherwise the latest
   * status per permission is kept and sent right after the next `welcome`
   * (after the capabilities). So it can be called any time, before
   * `start()` or before the Marketplace has sent any permission message:
   * a node restarting reports the deliveries it resumed this way, and the
   * Marketplace stops those it ended meanwhile.
   *
   * @example
   * link.reportStatus({ permissionId, status: DeliveryStatus.DELIVERING,
   *   detail: "resumed after a restart" });
   * link.start();
   */
  reportStatus(status: PermissionStatusInit): void {
    this.sendOrKeep(`status:${status.permissionId ?? ""}`, {
      message: { case: "permissionStatus", value: status },
    });
  }

  /** Plugs in (or replaces) the handler for permission messages. */
  setPermissionHandler(handler: PermissionHandler | undefined): void {
    this.permissions = handler;
  }

  /** Replaces the data sources and advertises them at once when attached. */
  updateSources(sources: InstanceSources): void {
    this.sources = sources;
    if (this.current.state === "attached") this.sendCapabilities();
  }

  /** Starts dialling; the link keeps itself attached until `stop()`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.generation++;
    void this.connect();
  }

  /** Closes the stream and the connection and stops retrying. */
  stop(): void {
    this.running = false;
    clearTimeout(this.retryTimer);
    this.closeStream();
    this.update({ state: "stopped", attachedAt: undefined });
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    const generation = this.generation;
    this.update({ state: "connecting", attempts: this.current.attempts + 1 });
    let proof: string;
    try {
      proof = await signHelloProof(this.options.identity);
    } catch (err) {
      this.log.error("cannot sign the hello proof", { err });
      this.scheduleRetry(grpc.status.INTERNAL, (err as Error).message);
      return;
    }
    if (!this.running || generation !== this.generation) return;
    const maxBytes = this.options.maxMessageBytes ?? 4 * 1024 * 1024;
    const client = new grpc.Client(
      this.options.target,
      this.options.credentials ?? grpc.credentials.createInsecure(),
      {
        "grpc.use_local_subchannel_pool": 1,
        "grpc.keepalive_time_ms": this.options.keepaliveMs ?? 45_000,
        "grpc.keepalive_timeout_ms": 20_000,
        "grpc.keepalive_permit_without_calls": 1,
        "grpc.max_receive_message_length": maxBytes,
        "grpc.max_send_message_length": maxBytes,
        "grpc.enable_retries": 0,
        "grpc.primary_user_agent": `aiida-node/${this.options.version}`,
        "grpc.enable_channelz": 0,
      },
    );
    const call = client.makeBidiStreamRequest(
      `/${AiidaService.typeName}/${AiidaService.method.attach.name}`,
      serialize,
      deserialize,
    );
    this.client = client;
    this.call = call;
    this.lastHeardAt = Date.now();
    call.on("data", (message: AttachResponse) => {
      if (this.call === call) this.onMessage(message);
    });
    call.on("error", () => {
      // The final status arrives as the "status" event.
    });
    call.on("status", (status: grpc.StatusObject) => {
      if (this.call !== call) return;
      this.closeStream();
      this.scheduleRetry(status.code, status.details);
    });
    call.write({
      message: {
        case: "hello",
        value: {
          instanceId: this.options.identity.instanceId,
          version: this.options.version,
          advertisedAddress: this.options.advertisedAddress,
          publicKeyJwk: this.options.identity.publicKeyJwk,
          proof,
        },
      },
    });
  }

  private onMessage(message: AttachResponse): void {
    this.lastHeardAt = Date.now();
    switch (message.message.case) {
      case "welcome":
        this.onWelcome(message.message.value);
        break;
      case "pairingCode":
        this.showPairingCode(message.message.value);
        break;
      case "claimStatus": {
        const claimed = message.message.value.claimed;
        this.update({ claimed, pairingCode: claimed ? undefined : this.current.pairingCode });
        this.log.info(claimed ? "claimed" : "released");
        this.emit("claimStatus", claimed);
        break;
      }
      case "query": {
        const query = message.message.value;
        const match = evaluateQuery(query, this.sources.dataSources);
        this.send({ message: { case: "queryAnswer", value: { queryId: query.queryId, match } } });
        this.emit("query", query, match);
        break;
      }
      case "ping":
        this.send({ message: { case: "pong", value: { nonce: message.message.value.nonce } } });
        break;
      case "configurePermission":
        void this.configurePermission(message.message.value);
        break;
      case "stopPermission":
        void this.stopPermission(message.message.value);
        break;
      default:
        this.log.debug("ignoring a message this version does not know");
    }
  }

  private onWelcome(welcome: Welcome): void {
    if (this.current.state === "attached") return;
    this.backoff.reset();
    const code = welcome.claimed ? undefined : welcome.pairingCode;
    this.update({
      state: "attached",
      claimed: welcome.claimed,
      attachedAt: new Date(),
      lastError: undefined,
      pairingCode: code?.code ? this.current.pairingCode : undefined,
    });
    if (welcome.serverTime) {
      const skewMs = Date.now() - timestampMs(welcome.serverTime);
      if (Math.abs(skewMs) > 60_000) {
        this.log.warn("this clock differs from the Marketplace's; hello proofs may be refused", {
          skew_ms: skewMs,
        });
      }
    }
    this.log.info("attached", { claimed: welcome.claimed });
    this.sendCapabilities();
    for (const [key, message] of this.pending) {
      this.pending.delete(key);
      this.send(message);
    }
    this.watchPings(welcome.pingInterval ? durationMs(welcome.pingInterval) : 0);
    this.emit("welcome", welcome);
    if (code?.code) this.showPairingCode(code);
  }

  private showPairingCode(code: PairingCode): void {
    if (!code.code) return;
    const shown = {
      code: code.code,
      expiresAt: code.expiresAt ? new Date(timestampMs(code.expiresAt)) : undefined,
    };
    this.update({ pairingCode: shown });
    this.emit("pairingCode", shown);
  }

  /** Cancels a stream the Marketplace stays silent on for three ping intervals. */
  private watchPings(intervalMs: number): void {
    clearInterval(this.watchdog);
    if (!(intervalMs > 0)) return;
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastHeardAt > 3 * intervalMs) {
        this.log.warn("the Marketplace went silent; reconnecting", {
          ping_interval_ms: intervalMs,
        });
        this.call?.cancel();
      }
    }, intervalMs);
    this.watchdog.unref();
  }

  private sendCapabilities(): void {
    this.send({
      message: { case: "capabilities", value: { dataSources: [...this.sources.dataSources] } },
    });
  }

  private async configurePermission(request: ConfigurePermission): Promise<void> {
    const permissionId = request.permissionId;
    let accepted = false;
    let reason = "this instance does not deliver data";
    if (this.permissions) {
      try {
        const decision = await this.permissions.configure(request, this.context);
        accepted = decision.accepted;
        reason = decision.accepted ? "" : (decision.reason ?? "declined");
      } catch (err) {
        reason = err instanceof Error ? err.message : String(err);
      }
    }
    this.log.info("permission configuration answered", { permission_id: permissionId, accepted });
    this.sendOrKeep(`ack:${permissionId}`, {
      message: { case: "permissionAck", value: { permissionId, accepted, reason } },
    });
  }

  private async stopPermission(request: StopPermission): Promise<void> {
    if (!this.permissions) {
      this.reportStatus({
        permissionId: request.permissionId,
        status: DeliveryStatus.STOPPED,
        detail: "no delivery was running",
      });
      return;
    }
    try {
      await this.permissions.stop(request, this.context);
    } catch (err) {
      this.log.error("stopping a permission failed", { permission_id: request.permissionId, err });
    }
  }

  private sendOrKeep(key: string, message: AttachRequestInit): void {
    if (this.current.state === "attached" && this.call) {
      this.send(message);
    } else {
      this.pending.delete(key);
      this.pending.set(key, message);
    }
  }

  private send(message: AttachRequestInit): void {
    const call = this.call;
    if (!call || call.writableEnded || call.destroyed) return;
    call.write(message);
  }

  private closeStream(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
    const call = this.call;
    const client = this.client;
    this.call = undefined;
    this.client = undefined;
    call?.cancel();
    client?.close();
  }

  private scheduleRetry(code: grpc.status, details: string): void {
    if (!this.running) return;
    const refused = code === grpc.status.UNAUTHENTICATED || code === grpc.status.PERMISSION_DENIED;
    const delayMs = this.backoff.next();
    const reason = `${grpc.status[code] ?? code}: ${details}`;
    if (refused) {
      this.log.error(
        code === grpc.status.PERMISSION_DENIED
          ? "the Marketplace knows this instance ID with another key and refused it; restore the original identity file or start with a new state folder"
          : "the Marketplace refused this instance's key proof; check the clock and the identity file",
        { code: grpc.status[code], details, retry_in_ms: delayMs },
      );
    } else {
      this.log.info("stream ended; reconnecting", { reason, retry_in_ms: delayMs });
    }
    this.update({
      state: refused ? "refused" : "backing-off",
      attachedAt: undefined,
      lastError: reason,
    });
    this.emit("retry", { delayMs, code, details });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delayMs);
  }

  private update(change: Partial<LinkStatus>): void {
    this.current = { ...this.current, ...change };
    this.emit("status", this.current);
  }

  private emit<K extends keyof LinkEvents>(event: K, ...args: Parameters<LinkEvents[K]>): void {
    const list = this.listeners[event];
    if (!list) return;
    for (const listener of list) {
      try {
        (listener as (...a: Parameters<LinkEvents[K]>) => void)(...args);
      } catch (err) {
        this.log.error("a link listener failed", { event, err });
      }
    }
  }
}
