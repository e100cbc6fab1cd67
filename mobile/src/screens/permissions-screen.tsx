import { type Permission, PermissionState } from "@eddie-marketplace/sdk";
import { useEffect, useState } from "react";
import { useMarketplace } from "../api/marketplace-context.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { InfiniteList } from "../components/infinite-list.js";
import { PermissionStateBadge } from "../components/permission-state-badge.js";
import { EmptyView, ErrorView, InlineError, LoadingView } from "../components/state-views.js";
import { explainError } from "../features/error-message.js";
import { useNotifications } from "../features/notifications-context.js";
import { formatDate } from "../features/time-format.js";
import { usePagedList } from "../features/use-paged-list.js";
import { obisLabel, permissionStateInfo, revocableStates } from "../features/vocabulary-labels.js";
import { Link, navigate, useLocation } from "../router.js";

const views = {
  sharing: {
    label: "Sharing",
    states: [PermissionState.APPROVED, PermissionState.CONFIGURING, PermissionState.ACTIVE],
    empty: "You aren't sharing data with anyone right now.",
  },
  waiting: {
    label: "Waiting",
    states: [PermissionState.REQUESTED],
    empty: "No company is waiting for your answer.",
  },
  ended: {
    label: "Ended",
    states: [
      PermissionState.REJECTED,
      PermissionState.EXPIRED,
      PermissionState.REVOKED,
      PermissionState.TERMINATED,
      PermissionState.FULFILLED,
      PermissionState.FAILED,
    ],
    empty: "Nothing has ended yet.",
  },
  all: { label: "All", states: [], empty: "No company has asked for your data yet." },
} as const;
type View = keyof typeof views;

/** What the person shares with whom, with each permission's state and a one-tap revoke. */
export function PermissionsScreen() {
  const mp = useMarketplace();
  const { search } = useLocation();
  const view: View = (search.get("view") as View | null) ?? "all";
  const current = views[view] ?? views.all;
  const { onArrival } = useNotifications();
  const list = usePagedList<Permission>(async (pageToken, signal) => {
    const res = await mp.access.listPermissions(
      { states: [...current.states], pageSize: 20, pageToken },
      { signal },
    );
    return { items: res.permissions, nextPageToken: res.nextPageToken };
  }, view);
  const [revoking, setRevoking] = useState<Permission>();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();

  const { reload } = list;
  useEffect(() => onArrival((n) => n.permissionId && reload()), [onArrival, reload]);

  const revoke = async () => {
    if (!revoking) return;
    setBusy(true);
    setProblem(undefined);
    try {
      await mp.access.revokePermission({ id: revoking.id });
      reload();
    } catch (e) {
      setProblem(explainError(e, "stop sharing"));
    } finally {
      setBusy(false);
      setRevoking(undefined);
    }
  };

  return (
    <section aria-labelledby="permissions-title" className="screen">
      <h1 id="permissions-title">My permissions</h1>
      <p className="lead">Who gets which of your data. Stop any of it with one tap.</p>
      <fieldset className="chips" aria-label="Which permissions">
        {(Object.keys(views) as View[]).map((v) => (
          <button
            key={v}
            type="button"
            aria-pressed={v === view}
            className="chip"
            onClick={() =>
              navigate(v === "all" ? "/permissions" : `/permissions?view=${v}`, { replace: true })
            }
          >
            {views[v].label}
          </button>
        ))}
      </fieldset>
      {problem && <InlineError>{problem}</InlineError>}
      {list.status === "loading" && <LoadingView label="Loading your permissions…" />}
      {list.status === "error" && (
        <ErrorView error={list.error} context="load your permissions" onRetry={list.reload} />
      )}
      {list.status === "ready" && list.items.length === 0 && (
        <EmptyView title="Nothing here">{current.empty}</EmptyView>
      )}
      {list.status === "ready" && list.items.length > 0 && (
        <InfiniteList
          list={list}
          label="Permissions"
          itemKey={(p) => p.id}
          renderItem={(p) => <PermissionCard permission={p} onRevoke={() => setRevoking(p)} />}
        />
      )}
      <ConfirmDialog
        open={revoking !== undefined}
        title="Stop sharing?"
        confirmLabel="Yes, stop sharing"
        tone="danger"
        busy={busy}
        onConfirm={revoke}
        onCancel={() => setRevoking(undefined)}
      >
        <p>
          Your AIIDA instance stops sending data to {revoking?.organisation?.name || "this company"}{" "}
          within seconds. They'll be told.
        </p>
      </ConfirmDialog>
    </section>
  );
}

/** The date that matters for the permission's state. */
function whenLine(p: Permission): string {
  if (p.state === PermissionState.REQUESTED) {
    return p.expiresAt ? `Answer by ${formatDate(p.expiresAt)}` : "";
  }
  if (revocableStates.has(p.state)) return p.end ? `Shared until ${formatDate(p.end)}` : "";
  const label = permissionStateInfo.get(p.state)?.label ?? "Ended";
  return p.updatedAt ? `${label} on ${formatDate(p.updatedAt)}` : "";
}

function PermissionCard({ permission: p, onRevoke }: { permission: Permission; onRevoke(): void }) {
  const org = p.organisation?.name || p.dataRequest?.organisation?.name || "A company";
  const name = p.dataRequest?.dataNeed?.name || "Data request";
  const tags = p.dataRequest?.dataNeed?.dataTags ?? [];
  return (
    <article className="card" aria-label={`${org}: ${name}`}>
      <Link href={`/permissions/${encodeURIComponent(p.id)}`} className="card-link-area">
        <span className="card-row spread">
          <span className="card-kicker">{org}</span>
          <PermissionStateBadge state={p.state} />
        </span>
        <strong className="card-title">{name}</strong>
        <span className="muted small">{tags.map(obisLabel).join(", ")}</span>
        <span className="muted small">{whenLine(p)}</span>
      </Link>
      {revocableStates.has(p.state) && (
        <div className="card-row end">
          <button type="button" className="button danger small" onClick={onRevoke}>
            Revoke
          </button>
        </div>
      )}
      {p.state === PermissionState.REQUESTED && (
        <div className="card-row end">
          <Link href={`/permissions/${encodeURIComponent(p.id)}`} className="button primary small">
            Review and decide
          </Link>
        </div>
      )}
    </article>
  );
}
