import { type SearchCounts, type SearchRun, SearchRunState } from "@eddie-marketplace/sdk";
import { useEffect, useRef, useState } from "react";
import { useMarketplace } from "../marketplace/client-context.js";
import { describeError } from "../marketplace/error-text.js";
import { AskAccessButton } from "./ask-access-button.js";
import { SearchProgress } from "./search-progress.js";

interface Match {
  readonly instanceId: string;
  readonly latencyMs: number;
}

/**
 * The search of one published data request: the button, then the matches as
 * they arrive with the progress, then the summary and the way to ask access.
 */
export function SearchPanel(props: { dataRequestId: string; onFinished: () => void }) {
  const client = useMarketplace();
  const [running, setRunning] = useState(false);
  const [counts, setCounts] = useState<SearchCounts>();
  const [matches, setMatches] = useState<Match[]>([]);
  const [summary, setSummary] = useState<SearchRun>();
  const [error, setError] = useState<unknown>();
  const [runId, setRunId] = useState<string>();
  const [waitSeconds, setWaitSeconds] = useState(10);
  const abort = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => abort.current?.abort(), []);

  const start = async () => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setRunning(true);
    setCounts(undefined);
    setMatches([]);
    setSummary(undefined);
    setError(undefined);
    setRunId(undefined);
    try {
      const stream = client.search.searchInstances(
        { dataRequestId: props.dataRequestId, timeout: { seconds: BigInt(waitSeconds) } },
        { signal: controller.signal },
      );
      for await (const res of stream) {
        const ev = res.event;
        if (ev.case === "started") {
          setRunId(ev.value.searchRunId);
          setCounts(ev.value.counts);
        } else if (ev.case === "progress") {
          setCounts(ev.value);
        } else if (ev.case === "matches") {
          // Newest first: the batch is in arrival order.
          const { instanceIds, latencyMs } = ev.value;
          const batch = instanceIds.map((instanceId, i) => ({
            instanceId,
            latencyMs: latencyMs[i] ?? 0,
          }));
          setMatches((list) => [...batch.reverse(), ...list]);
        } else if (ev.case === "summary") {
          setSummary(ev.value);
          setCounts(ev.value.counts);
        }
      }
    } catch (e) {
      if (!controller.signal.aborted) setError(e);
    } finally {
      if (abort.current === controller) {
        setRunning(false);
        props.onFinished();
      }
    }
  };
  const cancel = () => abort.current?.abort();

  const started = counts !== undefined;
  return (
    <section className="card" aria-labelledby="search-heading">
      <div className="page-head" style={{ marginBottom: 8 }}>
        <div>
          <h2 id="search-heading">Search AIIDA instances</h2>
          <p>
            Every household instance checks its own data and answers only “match” or “no match”.
          </p>
        </div>
        <div className="button-row">
          <label className="choice" htmlFor="search-wait">
            Wait up to
          </label>
          <select
            id="search-wait"
            value={waitSeconds}
            onChange={(e) => setWaitSeconds(Number(e.target.value))}
            disabled={running}
            style={{ width: "auto" }}
          >
            {[5, 10, 30, 60].map((s) => (
              <option key={s} value={s}>
                {s} s
              </option>
            ))}
          </select>
          {running ? (
            <button type="button" className="button" onClick={cancel}>
              Stop search
            </button>
          ) : (
            <button type="button" className="button primary" onClick={() => void start()}>
              {summary || error ? "Search again" : "Search"}
            </button>
          )}
        </div>
      </div>
      {error !== undefined && (
        <div className="alert error" role="alert">
          {describeError(error)}
        </div>
      )}
      {running && !started && (
        <p role="status">
          <span className="spinner" aria-hidden="true" /> Sending the query…
        </p>
      )}
      {started && (
        <div data-testid="search-live">
          <SearchProgress counts={counts} running={running} />
          <h3>
            Matches <span className="badge success">{matches.length}</span>
          </h3>
          {matches.length === 0 ? (
            <p className="hint">{running ? "No match yet." : "No instance matched."}</p>
          ) : (
            <ul
              className="match-list"
              aria-live="polite"
              aria-label="Matching instances"
              data-testid="matches"
            >
              {matches.map((m) => (
                <li key={m.instanceId}>
                  <code>{m.instanceId}</code>
                  <span className="hint">{Math.round(m.latencyMs)} ms</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {summary && (
        <div
          className="alert success"
          role="status"
          data-testid="search-summary"
          style={{ marginTop: 12 }}
        >
          <strong>
            {summary.state === SearchRunState.CANCELLED ? "Search stopped." : "Search complete."}
          </strong>{" "}
          {summary.counts?.matched ?? 0} of {summary.counts?.asked ?? 0} instances asked matched
          {(summary.counts?.offline ?? 0) > 0 ? `; ${summary.counts?.offline} offline` : ""}
          {(summary.counts?.timedOut ?? 0) > 0
            ? `; ${summary.counts?.timedOut} did not answer in time`
            : ""}
          .
          {(summary.counts?.matched ?? 0) > 0 && (
            <div style={{ marginTop: 8 }}>
              <AskAccessButton run={summary} onDone={props.onFinished} />
            </div>
          )}
        </div>
      )}
      {!started && !running && !summary && runId === undefined && error === undefined && (
        <p className="hint">
          Searching asks the instances that are online now; results arrive within a few seconds.
        </p>
      )}
    </section>
  );
}
