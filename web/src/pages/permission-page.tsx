import { InstanceDeliveryState, PermissionState } from "@eddie-marketplace/sdk";
import { type FormEvent, useState } from "react";
import { ErrorAlert, Loading } from "../components/async-state.js";
import { FormField } from "../components/form-field.js";
import { StatusBadge } from "../components/status-badge.js";
import { useMarkNotificationsRead, useNotifications } from "../live/notification-feed.js";
import { useMarketplace } from "../marketplace/client-context.js";
import { describeError } from "../marketplace/error-text.js";
import { permissionStateLabel, type Tone } from "../marketplace/labels.js";
import { formatDateTime } from "../marketplace/time-format.js";
import { useRpc } from "../marketplace/use-rpc.js";
import { Link } from "../router.js";

const deliveryLabel: Record<InstanceDeliveryState, { text: string; tone: Tone }> = {
  [InstanceDeliveryState.UNSPECIFIED]: { text: "Unknown", tone: "neutral" },
  [InstanceDeliveryState.PENDING]: { text: "Pending", tone: "info" },
  [InstanceDeliveryState.DELIVERING]: { text: "Delivering", tone: "success" },
  [InstanceDeliveryState.FAILED]: { text: "Failed", tone: "danger" },
  [InstanceDeliveryState.STOPPED]: { text: "Stopped", tone: "neutral" },
};

const actorLabel = (actor: string) =>
  actor === "customer"
    ? "The household"
    : actor === "eligible-party"
      ? "Your organisation"
      : actor === "marketplace"
        ? "The Marketplace"
        : actor.startsWith("instance:")
          ? `Instance ${actor.slice("instance:".length)}`
          : actor;

/** One permission: its state, the household's instances, and the audit trail, updated live. */
export function PermissionPage(props: { id: string }) {
  const client = useMarketplace();
  const res = useRpc(
    async (signal) => client.access.getPermission({ id: props.id }, { signal }),
    [props.id],
  );
  useMarkNotificationsRead();
  useNotifications((n) => {
    if (n.permissionId === props.id) res.reload();
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [ending, setEnding] = useState(false);
  const [reason, setReason] = useState("");
  const terminate = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await client.access.terminatePermission({ id: props.id, reason: reason.trim() });
      setEnding(false);
      res.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  if (res.error !== undefined && !res.data)
    return <ErrorAlert error={res.error} onRetry={res.reload} />;
  const p = res.data?.permission;
  if (!res.data || !p) return <Loading label="Loading the permission…" />;
  const ongoing = [
    PermissionState.APPROVED,
    PermissionState.CONFIGURING,
    PermissionState.ACTIVE,
  ].includes(p.state);
  return (
    <>
      <div className="breadcrumb">
        <Link href="/access">Access</Link> ›
      </div>
      <div className="page-head">
        <div>
          <h1>
            {p.customerName || `Household ${p.id.slice(0, 8)}`}{" "}
            <StatusBadge {...permissionStateLabel[p.state]} />
          </h1>
          <p>
            For{" "}
            {p.dataRequest ? (
              <Link href={`/requests/${p.dataRequest.id}`}>{p.dataRequest.dataNeed?.name}</Link>
            ) : (
              "a data request"
            )}
          </p>
        </div>
        {ongoing && !ending && (
          <button type="button" className="button danger" onClick={() => setEnding(true)}>
            Terminate…
          </button>
        )}
      </div>
      {ongoing && ending && (
        <form
          className="card"
          onSubmit={(e) => void terminate(e)}
          aria-label="Terminate the permission"
        >
          <h2>End this permission?</h2>
          <p>The household's instances stop delivering data to you within seconds.</p>
          <FormField label="Reason" hint="Optional; the household sees it.">
            <textarea value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
          </FormField>
          <div className="button-row">
            <button type="submit" className="button danger" disabled={busy}>
              {busy ? "Ending…" : "Terminate permission"}
            </button>
            <button
              type="button"
              className="button"
              onClick={() => setEnding(false)}
              disabled={busy}
            >
              Keep it
            </button>
          </div>
        </form>
      )}
      {error !== undefined && (
        <div className="alert error" role="alert">
          {describeError(error)}
        </div>
      )}
      <div className="split">
        <section className="card" aria-labelledby="trail-heading">
          <h2 id="trail-heading">Audit trail</h2>
          <ol className="timeline" data-testid="audit-trail">
            {res.data.events.map((e) => (
              <li key={String(e.sequence)}>
                <strong>{permissionStateLabel[e.toState].text}</strong> · {actorLabel(e.actor)}
                <div>
                  <time>{formatDateTime(e.at)}</time>
                </div>
                {e.reason && <div className="hint">{e.reason}</div>}
              </li>
            ))}
          </ol>
        </section>
        <aside className="card" aria-labelledby="facts-heading">
          <h2 id="facts-heading">Details</h2>
          <dl className="facts">
            <dt>Asked</dt>
            <dd>{formatDateTime(p.requestedAt)}</dd>
            {p.state === PermissionState.REQUESTED && (
              <>
                <dt>Expires</dt>
                <dd>{formatDateTime(p.expiresAt)}</dd>
              </>
            )}
            <dt>Shared from</dt>
            <dd>{formatDateTime(p.start)}</dd>
            <dt>Shared until</dt>
            <dd>{formatDateTime(p.end)}</dd>
            {p.reason && (
              <>
                <dt>Reason</dt>
                <dd>{p.reason}</dd>
              </>
            )}
          </dl>
          <h3 style={{ marginTop: 16 }}>Instances</h3>
          <ul className="match-list">
            {p.instances.map((i) => (
              <li key={i.instanceId}>
                <code>{i.instanceId}</code>
                <span>
                  <StatusBadge {...deliveryLabel[i.state]} />
                  {i.detail && <span className="hint"> {i.detail}</span>}
                </span>
              </li>
            ))}
          </ul>
        </aside>
      </div>
    </>
  );
}
