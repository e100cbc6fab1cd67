import type { SearchRun } from "@eddie-marketplace/sdk";
import { useState } from "react";
import { useMarketplace } from "../marketplace/client-context.js";
import { describeError } from "../marketplace/error-text.js";

/**
 * Asks the households behind a search run's matches for access (one request
 * per household), then says how many requests went out.
 */
export function AskAccessButton(props: { run: SearchRun; onDone: () => void }) {
  const client = useMarketplace();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string>();
  const [error, setError] = useState<unknown>();
  const matched = props.run.counts?.matched ?? 0;
  const ask = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const res = await client.access.requestAccess({ searchRunId: props.run.id });
      setResult(
        `${res.requestsSent} access request${res.requestsSent === 1 ? "" : "s"} sent` +
          (res.alreadyRequested > 0 ? `, ${res.alreadyRequested} already asked before` : "") +
          ". You will see each decision here as it comes.",
      );
      props.onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  if (result) return <span role="status">{result}</span>;
  return (
    <span className="button-row">
      <button type="button" className="button primary" onClick={() => void ask()} disabled={busy}>
        {busy
          ? "Asking…"
          : props.run.accessRequested
            ? "Ask again for new matches"
            : `Ask access (${matched} match${matched === 1 ? "" : "es"})`}
      </button>
      {error !== undefined && (
        <span className="field-error" role="alert">
          {describeError(error)}
        </span>
      )}
    </span>
  );
}
