import type { PermissionState } from "@eddie-marketplace/sdk";
import { permissionStateInfo } from "../features/vocabulary-labels.js";

/** The permission's state as a coloured label (colour is never the only cue). */
export function PermissionStateBadge({ state }: { state: PermissionState }) {
  const info = permissionStateInfo.get(state) ?? { label: "Unknown", tone: "ended" };
  return <span className={`badge tone-${info.tone}`}>{info.label}</span>;
}
