import { type ReactNode, useEffect, useRef } from "react";
import { explainError } from "../features/error-message.js";
import type { PagedList } from "../features/use-paged-list.js";

/**
 * Renders a paged list and asks for the next page when its end scrolls into
 * view. A "Show more" button does the same for keyboards and screen readers.
 */
export function InfiniteList<T>({
  list,
  label,
  renderItem,
  itemKey,
}: {
  list: PagedList<T>;
  /** Names the list for screen readers. */
  label: string;
  renderItem(item: T): ReactNode;
  itemKey(item: T): string;
}) {
  const sentinel = useRef<HTMLDivElement>(null);
  const { hasMore, loadingMore, moreError, loadMore } = list;
  useEffect(() => {
    const target = sentinel.current;
    if (!target || !hasMore || loadingMore || moreError) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) loadMore();
      },
      { rootMargin: "200px" },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, [hasMore, loadingMore, moreError, loadMore]);
  return (
    <>
      <ul className="card-list" aria-label={label} aria-busy={loadingMore}>
        {list.items.map((item) => (
          <li key={itemKey(item)}>{renderItem(item)}</li>
        ))}
      </ul>
      <div ref={sentinel} className="list-end">
        {loadingMore && (
          <p role="status" className="muted">
            Loading more…
          </p>
        )}
        {moreError !== undefined && (
          <p role="alert" className="inline-error">
            {explainError(moreError, "load more")}
          </p>
        )}
        {hasMore && !loadingMore && (
          <button type="button" className="button secondary" onClick={loadMore}>
            Show more
          </button>
        )}
        {!hasMore && list.items.length > 0 && <p className="muted">That's everything.</p>}
      </div>
    </>
  );
}
