import { useCallback, useEffect, useRef, useState } from "react";
import { isCancelled } from "./error-message.js";
import { useReloadWhenOnline } from "./use-async.js";

/** One page from a keyset-paginated list RPC. */
export interface Page<T> {
  items: T[];
  /** Empty on the last page. */
  nextPageToken: string;
}

/** A list that grows page by page as the person scrolls. */
export interface PagedList<T> {
  items: T[];
  /** "loading" only for the first page; later pages set `loadingMore`. */
  status: "loading" | "ready" | "error";
  error: unknown;
  hasMore: boolean;
  loadingMore: boolean;
  /** An error loading a later page; the items so far stay. */
  moreError: unknown;
  loadMore(): void;
  reload(): void;
}

/**
 * Keyset pagination for the Marketplace's list RPCs: fetches the first page
 * when `key` (the filter) changes and appends the next page on `loadMore`,
 * passing back the page token the previous page returned.
 */
export function usePagedList<T>(
  fetchPage: (pageToken: string, signal: AbortSignal) => Promise<Page<T>>,
  key: string,
): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [status, setStatus] = useState<PagedList<T>["status"]>("loading");
  const [error, setError] = useState<unknown>();
  const [moreError, setMoreError] = useState<unknown>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [round, setRound] = useState(0);
  const next = useRef("");
  const abort = useRef<AbortController | undefined>(undefined);
  const fetcher = useRef(fetchPage);
  fetcher.current = fetchPage;

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new filter (`key`) or a reload (`round`) starts over.
  useEffect(() => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    next.current = "";
    setStatus("loading");
    setItems([]);
    setMoreError(undefined);
    setLoadingMore(false);
    fetcher.current("", controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        next.current = page.nextPageToken;
        setItems(page.items);
        setStatus("ready");
      },
      (e: unknown) => {
        if (controller.signal.aborted || isCancelled(e)) return;
        setError(e);
        setStatus("error");
      },
    );
    return () => controller.abort();
  }, [key, round]);

  const loadMore = useCallback(() => {
    const controller = abort.current;
    if (!controller || !next.current || loadingMore) return;
    setLoadingMore(true);
    setMoreError(undefined);
    const token = next.current;
    fetcher.current(token, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        next.current = page.nextPageToken;
        setItems((before) => [...before, ...page.items]);
        setLoadingMore(false);
      },
      (e: unknown) => {
        if (controller.signal.aborted || isCancelled(e)) return;
        setMoreError(e);
        setLoadingMore(false);
      },
    );
  }, [loadingMore]);

  const reload = useCallback(() => setRound((r) => r + 1), []);
  useReloadWhenOnline(status === "error", reload);
  return {
    items,
    status,
    error,
    hasMore: status === "ready" && next.current !== "",
    loadingMore,
    moreError,
    loadMore,
    reload,
  };
}
