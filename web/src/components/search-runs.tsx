import { SearchRunState } from "@eddie-marketplace/sdk";
import { useMarketplace } from "../marketplace/client-context.js";
import { searchRunStateLabel } from "../marketplace/labels.js";
import { formatDateTime } from "../marketplace/time-format.js";
import { useRpc } from "../marketplace/use-rpc.js";
import { AskAccessButton } from "./ask-access-button.js";
import { EmptyState, ErrorAlert, Loading } from "./async-state.js";
import { StatusBadge } from "./status-badge.js";

/** The stored search runs of a data request, newest first, each with its counts. */
export function SearchRuns(props: {
  dataRequestId: string;
  version: number;
  onAccessAsked: () => void;
}) {
  const client = useMarketplace();
  const runs = useRpc(
    async (signal) =>
      (
        await client.search.listSearchRuns(
          { dataRequestId: props.dataRequestId, pageSize: 20 },
          { signal },
        )
      ).searchRuns,
    [props.dataRequestId, props.version],
  );
  return (
    <section className="card" aria-labelledby="runs-heading">
      <h2 id="runs-heading">Past searches</h2>
      {runs.error !== undefined ? (
        <ErrorAlert error={runs.error} onRetry={runs.reload} />
      ) : runs.loading && !runs.data ? (
        <Loading label="Loading past searches…" />
      ) : runs.data?.length === 0 ? (
        <EmptyState title="No searches yet">
          <p>Search to find the households whose data matches this request.</p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table data-testid="search-runs">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">State</th>
                <th scope="col">Asked</th>
                <th scope="col">Matched</th>
                <th scope="col">Offline</th>
                <th scope="col">Timed out</th>
                <th scope="col">Access</th>
              </tr>
            </thead>
            <tbody>
              {runs.data?.map((r) => (
                <tr key={r.id}>
                  <td>{formatDateTime(r.startedAt)}</td>
                  <td>
                    <StatusBadge {...searchRunStateLabel[r.state]} />
                  </td>
                  <td>{r.counts?.asked ?? 0}</td>
                  <td>{r.counts?.matched ?? 0}</td>
                  <td>{r.counts?.offline ?? 0}</td>
                  <td>{r.counts?.timedOut ?? 0}</td>
                  <td>
                    {r.accessRequested ? (
                      <span className="badge info">Asked</span>
                    ) : r.state !== SearchRunState.RUNNING && (r.counts?.matched ?? 0) > 0 ? (
                      <AskAccessButton run={r} onDone={props.onAccessAsked} />
                    ) : (
                      <span className="hint">—</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
