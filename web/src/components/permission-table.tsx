import { type Permission, PermissionState } from "@eddie-marketplace/sdk";
import { permissionStateLabel } from "../marketplace/labels.js";
import { formatDateTime } from "../marketplace/time-format.js";
import { Link } from "../router.js";
import { StatusBadge } from "./status-badge.js";

/** Permissions in a table: who, for which request, in which state, since when. */
export function PermissionTable(props: {
  permissions: readonly Permission[];
  showRequest?: boolean;
}) {
  return (
    <div className="table-wrap">
      <table data-testid="permissions">
        <thead>
          <tr>
            <th scope="col">Household</th>
            {props.showRequest && <th scope="col">Data request</th>}
            <th scope="col">State</th>
            <th scope="col">Instances</th>
            <th scope="col">Asked</th>
            <th scope="col">Last change</th>
          </tr>
        </thead>
        <tbody>
          {props.permissions.map((p) => (
            <tr key={p.id} data-permission-id={p.id}>
              <td>
                <Link href={`/access/${p.id}`}>
                  {p.customerName || `Household ${p.id.slice(0, 8)}`}
                </Link>
                {!p.customerName && p.state === PermissionState.REQUESTED && (
                  <div className="hint">Name shown once approved</div>
                )}
              </td>
              {props.showRequest && (
                <td>
                  {p.dataRequest ? (
                    <Link href={`/requests/${p.dataRequest.id}`}>
                      {p.dataRequest.dataNeed?.name || "Untitled request"}
                    </Link>
                  ) : (
                    "—"
                  )}
                </td>
              )}
              <td>
                <StatusBadge {...permissionStateLabel[p.state]} />
                {p.reason && <div className="hint">{p.reason}</div>}
              </td>
              <td>{p.instances.length}</td>
              <td>{formatDateTime(p.requestedAt)}</td>
              <td>{formatDateTime(p.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
