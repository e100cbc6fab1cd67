import type { SearchCounts } from "@eddie-marketplace/sdk";

/**
 * A search's counts as a progress bar (answers out of instances asked) and
 * the five figures: asked, answered, matched, offline, timed out.
 */
export function SearchProgress(props: { counts: SearchCounts | undefined; running: boolean }) {
  const c = props.counts;
  const asked = c?.asked ?? 0;
  const matched = c?.matched ?? 0;
  const notMatched = c?.notMatched ?? 0;
  const timedOut = c?.timedOut ?? 0;
  const answered = matched + notMatched;
  const done = answered + timedOut;
  const pct = (n: number) => (asked === 0 ? 0 : (100 * n) / asked);
  return (
    <div>
      <div
        className="progress"
        role="progressbar"
        aria-label="Search progress"
        aria-valuemin={0}
        aria-valuemax={Math.max(asked, 1)}
        aria-valuenow={done}
        aria-valuetext={`${answered} of ${asked} instances answered, ${matched} matched`}
      >
        <span className="matched" style={{ width: `${pct(matched)}%` }} />
        <span className="not-matched" style={{ width: `${pct(notMatched)}%` }} />
        <span className="timed-out" style={{ width: `${pct(timedOut)}%` }} />
      </div>
      <div className="counts" data-testid="search-counts">
        <Count label="asked" value={asked} />
        <Count label="answered" value={answered} />
        <Count label="matched" value={matched} />
        <Count label="offline" value={c?.offline ?? 0} />
        <Count label="timed out" value={timedOut} />
      </div>
      {(c?.skippedUnclaimed ?? 0) > 0 && (
        <p className="hint">
          {c?.skippedUnclaimed} registered instance{c?.skippedUnclaimed === 1 ? " has" : "s have"}{" "}
          no household yet and {c?.skippedUnclaimed === 1 ? "was" : "were"} not asked.
        </p>
      )}
      {props.running && asked > 0 && done < asked && (
        <p className="hint" aria-live="polite">
          Waiting for {asked - done} more answer{asked - done === 1 ? "" : "s"}…
        </p>
      )}
    </div>
  );
}

function Count(props: { label: string; value: number }) {
  return (
    <div className="count" data-count={props.label}>
      <strong>{props.value}</strong>
      <span>{props.label}</span>
    </div>
  );
}
