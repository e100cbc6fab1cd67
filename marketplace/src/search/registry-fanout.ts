import type { Query, QueryAnswer } from "@eddie-marketplace/gen";
import type { Logger } from "@eddie-marketplace/sdk/log";
import {
  type AnswerSink,
  encodeAttachResponse,
  type NodeLink,
  type NodeRegistry,
} from "../mesh/node-registry.js";
import type { FanoutEnd, FanoutHandlers, FanoutRun, SearchFanout } from "./search-fanout.js";

interface Running {
  readonly pending: Set<string>;
  readonly startedAt: number;
  readonly handlers: FanoutHandlers;
  finish(end: FanoutEnd): void;
}

/**
 * The fan-out over this process's node streams: the query is serialized once
 * and the same bytes are written to every claimed instance's stream. Answers
 * are matched to the stream they arrived on, so an instance can only answer
 * a query it was sent, and only once.
 */
export class RegistryFanout implements SearchFanout, AnswerSink {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly registry: NodeRegistry,
    private readonly log?: Logger,
  ) {
    registry.setAnswerSink(this);
  }

  start(query: Query, deadline: number, handlers: FanoutHandlers, signal: AbortSignal): FanoutRun {
    const bytes = encodeAttachResponse({ message: { case: "query", value: query } });
    const pending = new Set<string>();
    const unwritable: string[] = [];
    const startedAt = Date.now();
    for (const link of this.registry.all()) {
      if (!link.claimed) continue;
      if (link.writeBytes(bytes)) pending.add(link.instanceId);
      else unwritable.push(link.instanceId);
    }
    const asked = pending.size + unwritable.length;
    let resolve!: (end: FanoutEnd) => void;
    const done = new Promise<FanoutEnd>((r) => {
      resolve = r;
    });
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => run.finish("cancelled");
    const run: Running = {
      pending,
      startedAt,
      handlers,
      finish: (end) => {
        if (this.running.get(query.queryId) !== run) return;
        this.running.delete(query.queryId);
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        resolve(end);
      },
    };
    this.running.set(query.queryId, run);
    for (const id of unwritable) handlers.lost(id);
    if (signal.aborted) run.finish("cancelled");
    else if (pending.size === 0) run.finish("all_answered");
    else {
      signal.addEventListener("abort", onAbort, { once: true });
      timer = setTimeout(() => run.finish("deadline"), Math.max(0, deadline - Date.now()));
    }
    return { asked, done };
  }

  /** @internal Called by the registry for every answer that arrives. */
  answer(link: NodeLink, answer: QueryAnswer): void {
    const run = this.running.get(answer.queryId);
    if (run === undefined) {
      // Late answers (after the deadline) land here; they are normal.
      this.log?.debug("answer to no running query, ignored", {
        instance_id: link.instanceId,
        query_id: answer.queryId,
      });
      return;
    }
    if (!run.pending.delete(link.instanceId)) {
      this.log?.warn("answer to a query the instance was not sent, or a second answer, ignored", {
        instance_id: link.instanceId,
        query_id: answer.queryId,
      });
      return;
    }
    run.handlers.answer(link.instanceId, answer.match, Date.now() - run.startedAt);
    if (run.pending.size === 0) run.finish("all_answered");
  }

  /** @internal Called by the registry when a stream ends. */
  detached(link: NodeLink): void {
    for (const run of [...this.running.values()]) {
      if (!run.pending.delete(link.instanceId)) continue;
      run.handlers.lost(link.instanceId);
      if (run.pending.size === 0) run.finish("all_answered");
    }
  }
}
