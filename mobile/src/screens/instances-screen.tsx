import type { Instance } from "@eddie-marketplace/sdk";
import { useState } from "react";
import { useMarketplace } from "../api/marketplace-context.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { EmptyView, ErrorView, InlineError, LoadingView } from "../components/state-views.js";
import { explainError } from "../features/error-message.js";
import { formatAgo, formatDate } from "../features/time-format.js";
import { useAsync } from "../features/use-async.js";
import { countryName, obisLabel } from "../features/vocabulary-labels.js";
import { Link } from "../router.js";

/** Home: the person's AIIDA instances, online or not, with a way to add and release them. */
export function InstancesScreen() {
  const mp = useMarketplace();
  const instances = useAsync(
    async (signal) => (await mp.instances.listInstances({}, { signal })).instances,
    "instances",
  );
  const [releasing, setReleasing] = useState<Instance>();
  const [busy, setBusy] = useState(false);
  const [releaseError, setReleaseError] = useState<string>();

  const release = async () => {
    if (!releasing) return;
    setBusy(true);
    setReleaseError(undefined);
    try {
      await mp.instances.releaseInstance({ instanceId: releasing.instanceId });
      if (instances.status === "ready") {
        instances.setData(instances.data.filter((i) => i.instanceId !== releasing.instanceId));
      }
      setReleasing(undefined);
    } catch (error) {
      setReleaseError(explainError(error, "release this instance"));
      setReleasing(undefined);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="instances-title" className="screen">
      <div className="screen-head">
        <h1 id="instances-title">My home</h1>
        <Link href="/instances/add" className="button primary small">
          Add instance
        </Link>
      </div>
      <p className="lead">
        Your AIIDA instance reads your smart meter at home. Your data goes only where you allow it.
      </p>
      {releaseError && <InlineError>{releaseError}</InlineError>}
      {instances.status === "loading" && <LoadingView label="Loading your instances…" />}
      {instances.status === "error" && (
        <ErrorView
          error={instances.error}
          context="load your instances"
          onRetry={instances.reload}
        />
      )}
      {instances.status === "ready" && instances.data.length === 0 && (
        <EmptyView
          title="No instance yet"
          action={
            <Link href="/instances/add" className="button primary">
              Add my AIIDA instance
            </Link>
          }
        >
          Add the AIIDA instance in your home with its ID and the pairing code it shows, or scan its
          QR code.
        </EmptyView>
      )}
      {instances.status === "ready" && instances.data.length > 0 && (
        <ul className="card-list" aria-label="My instances">
          {instances.data.map((instance) => (
            <li key={instance.instanceId}>
              <InstanceCard instance={instance} onRelease={() => setReleasing(instance)} />
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={releasing !== undefined}
        title="Release this instance?"
        confirmLabel="Release"
        tone="danger"
        busy={busy}
        onConfirm={release}
        onCancel={() => setReleasing(undefined)}
      >
        <p>
          It will no longer be linked to your account, and everything it shares now stops. You can
          add it again later with a new pairing code.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function InstanceCard({ instance, onRelease }: { instance: Instance; onRelease(): void }) {
  const sources = instance.dataSources.filter((s) => s.enabled);
  return (
    <article className="card" aria-label={`Instance ${instance.instanceId}`}>
      <div className="card-row">
        <span
          className={`status-dot ${instance.online ? "online" : "offline"}`}
          aria-hidden="true"
        />
        <strong className="status-text">{instance.online ? "Online" : "Offline"}</strong>
        {!instance.online && instance.lastSeen && (
          <span className="muted">last seen {formatAgo(instance.lastSeen)}</span>
        )}
      </div>
      <p className="mono break" title="Instance ID">
        {instance.instanceId}
      </p>
      {sources.length > 0 && (
        <ul className="source-list" aria-label="Data sources">
          {sources.map((s) => (
            <li key={s.id}>
              <strong>{s.name || "Data source"}</strong>
              {s.country && <span className="muted"> · {countryName(s.country)}</span>}
              <div className="muted small">{s.dataTags.map(obisLabel).join(", ")}</div>
            </li>
          ))}
        </ul>
      )}
      <div className="card-row spread">
        <span className="muted small">
          {instance.claimedAt ? `Added ${formatDate(instance.claimedAt)}` : ""}
          {instance.version ? ` · AIIDA ${instance.version}` : ""}
        </span>
        <button type="button" className="button text danger" onClick={onRelease}>
          Release
        </button>
      </div>
    </article>
  );
}
