import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import {
  finishSearchRun,
  insertSearchMatches,
  insertSearchRun,
  type RunCounts,
} from "./search-run-repository.js";

/** A matching instance and how long after the start its answer came. */
export interface RecordedMatch {
  readonly instanceId: string;
  readonly latencyMs: number;
}

/** The stored facts of a run at its start. */
export type RunStart = Omit<Parameters<typeof insertSearchRun>[1], "id">;

/** What storing the start counted: claimed instances not asked, and unclaimed ones. */
export type StartCounts = Awaited<ReturnType<typeof insertSearchRun>>;

/** The most matches a run keeps unwritten while it goes on; they are written together. */
const defaultMatchesPerWrite = 500;

/**
 * Stores one search run while it goes: the run row at the start, matches in
 * batches while answers still arrive (one statement at a time), and the end.
 * A run with few matches writes them all with its end, in one statement; one
 * with many leaves at most about two batches for the end.
 *
 * @example
 * const recorder = new RunRecorder(db, runId);
 * recorder.begin(start);
 * recorder.add({ instanceId, latencyMs });   // for each match
 * await recorder.finish("completed", new Date(), counts);
 */
export class RunRecorder {
  /** Every match added, in arrival order. */
  readonly matches: RecordedMatch[] = [];
  private inserted: Promise<StartCounts> | undefined;
  private written = 0;
  private writing: Promise<void> = Promise.resolve();
  private busy = false;
  private ended = false;

  constructor(
    private readonly db: Kysely<Database>,
    readonly runId: string,
    private readonly matchesPerWrite = defaultMatchesPerWrite,
  ) {}

  /**
   * Stores the run as running; resolves with what it counted once it is
   * stored. Call before the first `add`.
   */
  begin(start: RunStart): Promise<StartCounts> {
    this.inserted = insertSearchRun(this.db, { id: this.runId, ...start });
    return this.inserted;
  }

  /** Records a match; it is stored in the next batch or with the end. */
  add(match: RecordedMatch): void {
    this.matches.push(match);
    if (this.busy || this.ended || !this.batchDue()) return;
    this.busy = true;
    this.writing = this.writeBatches();
    // A failed write fails `finish`, which awaits `writing`.
    this.writing.catch(() => {});
  }

  /**
   * Stores how the run ended, with every match not written yet, in one
   * statement: a run is never marked finished without its matches.
   * Rejects when the run or any of its matches could not be stored.
   */
  async finish(state: "completed" | "cancelled", finishedAt: Date, counts: RunCounts) {
    this.ended = true;
    if (this.inserted === undefined) throw new Error("finish() before begin()");
    await this.inserted;
    await this.writing;
    await finishSearchRun(this.db, {
      id: this.runId,
      state,
      finishedAt,
      counts,
      matches: this.matches.slice(this.written),
    });
  }

  private batchDue(): boolean {
    return this.matches.length - this.written >= this.matchesPerWrite;
  }

  private async writeBatches(): Promise<void> {
    try {
      await this.inserted;
      while (!this.ended && this.batchDue()) {
        const batch = this.matches.slice(this.written, this.written + this.matchesPerWrite);
        await insertSearchMatches(this.db, this.runId, batch);
        this.written += batch.length;
      }
    } finally {
      this.busy = false;
    }
  }
}
