import { ItemStatus } from "@eddie-marketplace/sdk";
import { navigate } from "../router.js";

const statusNames: readonly [ItemStatus, string][] = [
  [ItemStatus.DRAFT, "draft"],
  [ItemStatus.PUBLISHED, "published"],
  [ItemStatus.ARCHIVED, "archived"],
];

/** A list's filters as the address keeps them, so reload and back show the same list. */
export interface ListFilters {
  readonly status: ItemStatus;
  readonly text: string;
}

/** The filters in `query` (`?status=draft&q=heat`); unknown values mean "any". */
export function readListFilters(query: URLSearchParams): ListFilters {
  const name = query.get("status");
  return {
    status: statusNames.find(([, n]) => n === name)?.[0] ?? ItemStatus.UNSPECIFIED,
    text: query.get("q") ?? "",
  };
}

/** The address of `path` with `filters`, leaving out what is unset. */
export function listFiltersHref(path: string, filters: ListFilters): string {
  const q = new URLSearchParams();
  const name = statusNames.find(([s]) => s === filters.status)?.[1];
  if (name) q.set("status", name);
  if (filters.text) q.set("q", filters.text);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** Shows `path` with new filters in place of the current ones (no new history entry). */
export function applyListFilters(path: string, filters: ListFilters): void {
  navigate(listFiltersHref(path, filters), { replace: true, keepScroll: true });
}
