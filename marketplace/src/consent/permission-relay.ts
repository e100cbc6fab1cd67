import type { MessageInitShape } from "@bufbuild/protobuf";
import type { AttachResponseSchema, PermissionAck, PermissionStatus } from "@eddie-marketplace/gen";
import type { Logger } from "@eddie-marketplace/sdk/log";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { markAttempted, type OutboxRow, pendingMessages } from "../notify/outbox.js";
import {
  type NodeCommand,
  nodeCommandTopic,
  type PermissionLifecycle,
} from "./permission-lifecycle.js";

/** A permission message an AIIDA instance sends up its stream. */
export type PermissionReport =
  | { readonly case: "permissionAck"; readonly value: PermissionAck }
  | { readonly case: "permissionStatus"; readonly value: PermissionStatus };

/**
 * The part of the mesh's node registry the relay uses: whether an instance
 * is attached here, writing down its stream, and hearing when it attaches and
 * what it reports about permissions.
 */
export interface NodeChannel {
  isOnline(instanceId: string): boolean;
  send(instanceId: string, message: MessageInitShape<typeof AttachResponseSchema>): boolean;
  onAttach(listener: (instanceId: string) => void): void;
  onMessage(listener: (instanceId: string, message: PermissionReport) => void): void;
}

/** Tunables; tests shorten them. */
export interface RelayOptions {
  /** How long a sent command waits for its answer before it is sent again. */
  readonly retryMs: number;
  /** How often the outbox is looked at besides after commits and attaches. */
  readonly pollMs: number;
}

/**
 * Delivers permission configurations and stops from the outbox down the
 * instances' streams, after the transaction that wrote them committed. A
 * command stays pending until the instance answers it (PermissionAck for a
 * configuration, a STOPPED status for a stop), so it is sent again when the
 * instance re-attaches, after a Marketplace restart, or after `retryMs`.
 * Instances treat a repeated command as a no-op, so duplicates are harmless.
 */
export class PermissionRelay {
  private readonly options: RelayOptions;
  private timer: NodeJS.Timeout | undefined;
  private pumping: Promise<void> | undefined;
  private again = false;
  private running = false;
  private readonly reports = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly lifecycle: PermissionLifecycle,
    private readonly channel: NodeChannel,
    private readonly log: Logger,
    options: Partial<RelayOptions> = {},
  ) {
    this.options = { retryMs: 30_000, pollMs: 2_000, ...options };
    channel.onAttach((instanceId) => {
      if (this.running) void this.deliverTo(instanceId);
    });
    channel.onMessage((instanceId, message) => {
      // One instance's reports are recorded in the order they arrived.
      const previous = this.reports.get(instanceId) ?? Promise.resolve();
      const next = previous.then(() => this.report(instanceId, message));
      this.reports.set(instanceId, next);
      void next.then(() => {
        if (this.reports.get(instanceId) === next) this.reports.delete(instanceId);
      });
    });
  }

  /** Starts delivering, beginning with whatever a previous run left pending. */
  async start(): Promise<void> {
    this.running = true;
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Stops delivering; pending commands stay in the outbox for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearInterval(this.timer);
    while (this.pumping !== undefined) await this.pumping;
    await Promise.all(this.reports.values());
  }

  /** Looks at the outbox now; call after a commit that wrote commands. */
  wake(): void {
    if (!this.running) return;
    if (this.pumping !== undefined) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Sends everything pending for an instance that just attached, retry delay or not. */
  async deliverTo(instanceId: string): Promise<void> {
    try {
      const rows = await pendingMessages(this.db, nodeCommandTopic, { target: instanceId });
      for (const row of rows) await this.send(row);
    } catch (err) {
      this.log.warn("cannot deliver pending permission commands", { err, instance_id: instanceId });
    }
  }

  private async pump(): Promise<void> {
    try {
      const rows = await pendingMessages(this.db, nodeCommandTopic, {
        notTriedSince: new Date(Date.now() - this.options.retryMs),
        limit: 5000,
      });
      for (const row of rows) await this.send(row);
    } catch (err) {
      this.log.warn("cannot read the outbox; retrying", { err });
    }
  }

  private async send(row: OutboxRow): Promise<void> {
    if (!this.channel.isOnline(row.target)) return;
    const command = row.payload as NodeCommand;
    const sent = this.channel.send(
      row.target,
      command.kind === "configure"
        ? {
            message: {
              case: "configurePermission",
              value: { permissionId: command.permissionId, grant: command.grant },
            },
          }
        : {
            message: {
              case: "stopPermission",
              value: { permissionId: command.permissionId, reason: command.reason },
            },
          },
    );
    if (!sent) return;
    await markAttempted(this.db, row.id, new Date());
    this.log.debug("permission command sent", {
      instance_id: row.target,
      permission_id: command.permissionId,
      kind: command.kind,
    });
    if (command.kind === "configure") {
      await this.lifecycle.grantSent(command.permissionId, row.target);
    }
  }

  private async report(instanceId: string, message: PermissionReport): Promise<void> {
    try {
      if (message.case === "permissionAck") {
        await this.lifecycle.acknowledged(instanceId, message.value);
      } else {
        await this.lifecycle.statusReported(instanceId, message.value);
      }
    } catch (err) {
      this.log.warn("cannot record an instance's permission report", {
        err,
        instance_id: instanceId,
      });
    }
  }
}
