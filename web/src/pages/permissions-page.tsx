import { PermissionState } from "@eddie-marketplace/sdk";
import { useState } from "react";
import { EmptyState, ErrorAlert, Loading } from "../components/async-state.js";
import { NotificationInbox } from "../components/notification-inbox.js";
import { PermissionTable } from "../components/permission-table.js";
import { useMarkNotificationsRead, useNotifications } from "../live/notification-feed.js";
import { useMarketplace } from "../marketplace/client-context.js";
import { useRpc } from "../marketplace/use-rpc.js";
import { Link } from "../router.js";

const groups: readonly { label: string; states: PermissionState[] }[] = [
  { label: "All", states: [] },
  { label: "Awaiting decision", states: [PermissionState.REQUESTED] },
  {
    label: "Approved and active",
    states: [PermissionState.APPROVED, PermissionState.CONFIGURING, PermissionState.ACTIVE],
  },
  {
    label: "Ended",
    states: [
      PermissionState.REJECTED,
      PermissionState.EXPIRED,
      PermissionState.REVOKED,
      PermissionState.TERMINATED,
      PermissionState.FULFILLED,
      PermissionState.FAILED,
    ],
  },
];

/** Every permission of the organisation, filtered by state, updated live. */
export function PermissionsPage() {
  const client = useMarketplace();
  const [group, setGroup] = useState(0);
  const states = groups[group]?.states ?? [];
  const list = useRpc(
    async (signal) =>
      (await client.access.listPermissions({ states, pageSize: 100 }, { signal })).permissions,
    [group],
  );
  useMarkNotificationsRead();
  useNotifications((n) => {
    if (n.permissionId) list.reload();
  });
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Access</h1>
          <p>
            The households you asked for data, and what each decided. Decisions appear here as they
            are made.
          </p>
        </div>
      </div>
      <div className="split">
        <div className="card">
          <fieldset className="tabs">
            <legend className="visually-hidden">Filter by state</legend>
            {groups.map((g, i) => (
              <button
                key={g.label}
                type="button"
                aria-pressed={group === i}
                onClick={() => setGroup(i)}
              >
                {g.label}
              </button>
            ))}
          </fieldset>
          {list.error !== undefined ? (
            <ErrorAlert error={list.error} onRetry={list.reload} />
          ) : !list.data ? (
            <Loading label="Loading permissions…" />
          ) : list.data.length === 0 ? (
            <EmptyState title={group === 0 ? "No access asked yet" : "No permission in this state"}>
              {group === 0 && (
                <p>
                  Publish a <Link href="/requests">data request</Link>, search, and ask the matching
                  households for access.
                </p>
              )}
            </EmptyState>
          ) : (
            <PermissionTable permissions={list.data} showRequest />
          )}
        </div>
        <NotificationInbox />
      </div>
    </>
  );
}
