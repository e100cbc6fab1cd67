import { type Permission, type PermissionEvent, PermissionState } from "@eddie-marketplace/sdk";
import { useEffect, useState } from "react";
import { useMarketplace } from "../api/marketplace-context.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { DataNeedExplainer } from "../components/data-need-explainer.js";
import { PermissionStateBadge } from "../components/permission-state-badge.js";
import { ErrorView, InlineError, LoadingView } from "../components/state-views.js";
import { explainError } from "../features/error-message.js";
import { useNotifications } from "../features/notifications-context.js";
import { formatDate, formatDateTime } from "../features/time-format.js";
import { useAsync } from "../features/use-async.js";
import { permissionStateInfo, revocableStates } from "../features/vocabulary-labels.js";

type Decision = "approve" | "reject" | "revoke";

const decisionCopy: Record<
  Decision,
  { title: string; confirm: string; tone: "primary" | "danger"; doing: string }
> = {
  approve: {
    title: "Share your data?",
    confirm: "Yes, share",
    tone: "primary",
    doing: "approve this request",
  },
  reject: {
    title: "Say no?",
    confirm: "Yes, reject",
    tone: "danger",
    doing: "reject this request",
  },
  revoke: {
    title: "Stop sharing?",
    confirm: "Yes, stop sharing",
    tone: "danger",
    doing: "stop sharing",
  },
};

/**
 * One access request or permission: who asks, for what, why, for how long;
 * approve or reject with one tap and a confirmation while it waits, revoke as
 * easily once it is given, and its history.
 */
export function PermissionScreen({ id }: { id: string }) {
  const mp = useMarketplace();
  const { onArrival } = useNotifications();
  const permission = useAsync((signal) => mp.access.getPermission({ id }, { signal }), id);
  const [asking, setAsking] = useState<Decision>();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();

  // Refresh when a notification about this permission arrives (e.g. now active).
  const { reload } = permission;
  useEffect(
    () =>
      onArrival((n) => {
        if (n.permissionId === id) reload();
      }),
    [onArrival, id, reload],
  );

  const decide = async () => {
    if (!asking) return;
    setBusy(true);
    setProblem(undefined);
    try {
      if (asking === "approve") await mp.access.approvePermission({ id });
      else if (asking === "reject") await mp.access.rejectPermission({ id });
      else await mp.access.revokePermission({ id });
      reload();
    } catch (e) {
      setProblem(explainError(e, decisionCopy[asking].doing));
    } finally {
      setBusy(false);
      setAsking(undefined);
    }
  };

  if (permission.status === "loading") return <LoadingView label="Loading the request…" />;
  if (permission.status === "error")
    return (
      <ErrorView error={permission.error} context="load this request" onRetry={permission.reload} />
    );
  const p = permission.data.permission;
  if (!p) return <ErrorView error={new Error("empty answer")} context="load this request" />;
  const org = p.organisation?.name || p.dataRequest?.organisation?.name || "A company";
  const waiting = p.state === PermissionState.REQUESTED;
  const revocable = revocableStates.has(p.state);

  return (
    <section aria-labelledby="permission-title" className="screen">
      <p className="card-kicker">{waiting ? "Access request" : "Permission"}</p>
      <h1 id="permission-title">{p.dataRequest?.dataNeed?.name || `${org} asks for your data`}</h1>
      <div className="card-row">
        <span className="muted">State:</span>
        <PermissionStateBadge state={p.state} />
      </div>
      <StateSentence permission={p} org={org} />
      {problem && <InlineError>{problem}</InlineError>}
      {revocable && (
        <button type="button" className="button danger wide" onClick={() => setAsking("revoke")}>
          Revoke access
        </button>
      )}
      {p.dataRequest && (
        <>
          {p.dataRequest.dataNeed?.description && (
            <p className="lead">{p.dataRequest.dataNeed.description}</p>
          )}
          <DataNeedExplainer request={p.dataRequest} />
        </>
      )}
      {waiting && (
        <div className="decision-bar">
          <button
            type="button"
            className="button danger-outline"
            onClick={() => setAsking("reject")}
          >
            Reject
          </button>
          <button type="button" className="button primary" onClick={() => setAsking("approve")}>
            Approve
          </button>
        </div>
      )}
      {p.instances.length > 0 && (
        <>
          <h2>From your instances</h2>
          <ul className="plain-list">
            {p.instances.map((i) => (
              <li key={i.instanceId} className="mono break small">
                {i.instanceId}
              </li>
            ))}
          </ul>
        </>
      )}
      <History events={permission.data.events} />
      <ConfirmDialog
        open={asking !== undefined}
        title={asking ? decisionCopy[asking].title : ""}
        confirmLabel={asking ? decisionCopy[asking].confirm : ""}
        tone={asking ? decisionCopy[asking].tone : "primary"}
        busy={busy}
        onConfirm={decide}
        onCancel={() => setAsking(undefined)}
      >
        {asking === "approve" && (
          <p>
            {org} will receive the data listed here, straight from your AIIDA instance, for the
            period shown. You can revoke this at any time with one tap.
          </p>
        )}
        {asking === "reject" && <p>{org} will be told you said no. Nothing is shared.</p>}
        {asking === "revoke" && (
          <p>Your AIIDA instance stops sending data to {org} within seconds. They'll be told.</p>
        )}
      </ConfirmDialog>
    </section>
  );
}

function StateSentence({ permission: p, org }: { permission: Permission; org: string }) {
  switch (p.state) {
    case PermissionState.REQUESTED:
      return (
        <p className="callout">
          {org} asks for your data. Nothing is shared unless you approve.
          {p.expiresAt ? ` Decide by ${formatDate(p.expiresAt)}.` : ""}
        </p>
      );
    case PermissionState.APPROVED:
    case PermissionState.CONFIGURING:
      return <p className="callout">You approved. Your AIIDA instance is being set up to share.</p>;
    case PermissionState.ACTIVE:
      return (
        <p className="callout good">
          Your data is being shared with {org}
          {p.end ? ` until ${formatDate(p.end)}` : ""}.
        </p>
      );
    default: {
      const label = permissionStateInfo.get(p.state)?.label ?? "Ended";
      return (
        <p className="callout muted-callout">
          {label}. Nothing is shared.{p.reason ? ` Reason: ${p.reason}` : ""}
        </p>
      );
    }
  }
}

const actorNames: Record<string, string> = {
  customer: "You",
  "eligible-party": "The company",
  marketplace: "The Marketplace",
};

function History({ events }: { events: PermissionEvent[] }) {
  if (events.length === 0) return null;
  return (
    <>
      <h2>History</h2>
      <ol className="history">
        {events.map((e) => (
          <li key={String(e.sequence)}>
            <strong>{permissionStateInfo.get(e.toState)?.label ?? "Changed"}</strong>
            <span className="muted small">
              {" "}
              ·{" "}
              {actorNames[e.actor] ??
                (e.actor.startsWith("instance:") ? "Your AIIDA instance" : e.actor)}{" "}
              · {formatDateTime(e.at)}
            </span>
            {e.reason && <div className="small">{e.reason}</div>}
          </li>
        ))}
      </ol>
    </>
  );
}
