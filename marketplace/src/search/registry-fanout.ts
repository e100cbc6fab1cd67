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
  /** Instances that were written the query and have not answered. */
  readonly pending: Set<string>;
  /** Whether slices of streams are still to be written the query. */
  writing: boolean;
  readonly startedAt: number;
  readonly handlers: FanoutHandlers;
  finish(end: FanoutEnd): void;
  /** Finishes as all answered once every stream was written and none is pending. */
  finishIfAnswered(): void;
}

/**
 * How many streams are written the query per turn of the event loop. A
 * stream's write reaches the network only once the running JavaScript yields,
 * so one loop over every stream would keep all instances idle until the last
 * write; in slices, the first instances evaluate the query while the rest are
 * written, and their answers are read in between. Slices of 10 to 20 did best
 * in the search benchmark, at 1,000 and at 10,000 instances.
 */
const streamsPerTurn = 16;

/**
 * The fan-out over this process's node streams: the query is serialized once
 * and the same bytes are written to every claimed instance's stream, a slice
 * of streams per turn of the event loop. Answers are matched to the stream
 * they arrived on, so an instance can only answer a query it was sent, and
 * only once.
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
    const targets: NodeLink[] = [];
    for (const link of this.registry.all()) if (link.claimed) targets.push(link);
    let resolve!: (end: FanoutEnd) => void;
    const done = new Promise<FanoutEnd>((r) => {
      resolve = r;
    });
    let timer: NodeJS.Timeout | undefined;
    let nextSlice: NodeJS.Immediate | undefined;
    const onAbort = () => run.finish("cancelled");
    const run: Running = {
      pending: new Set(),
      writing: true,
      startedAt: Date.now(),
      handlers,
      finish: (end) => {
        if (this.running.get(query.queryId) !== run) return;
        this.running.delete(query.queryId);
        clearTimeout(timer);
        clearImmediate(nextSlice);
        signal.removeEventListener("abort", onAbort);
        resolve(end);
      },
      finishIfAnswered: () => {
        if (!run.writing && run.pending.size === 0) run.finish("all_answered");
      },
    };
    this.running.set(query.queryId, run);
    let next = 0;
    const writeSlice = () => {
      nextSlice = undefined;
      const end = Math.min(targets.length, next + streamsPerTurn);
      for (; next < end; next++) {
        const link = targets[next] as NodeLink;
        if (link.writeBytes(bytes)) run.pending.add(link.instanceId);
        else handlers.lost(link.instanceId);
      }
      if (next < targets.length) nextSlice = setImmediate(writeSlice);
      else {
        run.writing = false;
        run.finishIfAnswered();
      }
    };
    if (signal.aborted) run.finish("cancelled");
    else {
      signal.addEventListener("abort", onAbort, { once: true });
      timer = setTimeout(() => run.finish("deadline"), Math.max(0, deadline - Date.now()));
      writeSlice();
    }
    return { asked: targets.length, done };
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
    run.finishIfAnswered();
  }

  /** @internal Called by the registry when a stream ends. */
  detached(link: NodeLink): void {
    for (const run of [...this.running.values()]) {
      if (!run.pending.delete(link.instanceId)) continue;
      run.handlers.lost(link.instanceId);
      run.finishIfAnswered();
    }
  }
}
