import type { Query } from "@eddie-marketplace/gen";

/** What a fan-out reports while it runs. Called synchronously, in arrival order. */
export interface FanoutHandlers {
  /** An asked instance answered. Never called twice for one instance, nor after the end. */
  answer(instanceId: string, match: boolean, latencyMs: number): void;
  /** An asked instance can't answer any more (its stream broke or its buffer was full). */
  lost(instanceId: string): void;
}

/** Why a fan-out ended. */
export type FanoutEnd = "all_answered" | "deadline" | "cancelled";

/** A running fan-out. */
export interface FanoutRun {
  /** How many claimed, connected instances the query was written to. */
  readonly asked: number;
  /** Resolves once every asked instance answered or was lost, the deadline passed, or the signal aborted. */
  readonly done: Promise<FanoutEnd>;
}

/**
 * The one seam between a search and the transport that reaches the AIIDA
 * instances. The local engine writes to this process's grpc-js streams; an
 * engine over a message system (scatter-gather over NATS to many Marketplace
 * replicas) implements the same interface.
 */
export interface SearchFanout {
  /**
   * Sends `query` to every claimed instance connected now and reports answers
   * until all answered, `deadline` (ms since epoch) passes or `signal` aborts.
   * Answers from instances that were not sent this query are ignored.
   */
  start(query: Query, deadline: number, handlers: FanoutHandlers, signal: AbortSignal): FanoutRun;
}
