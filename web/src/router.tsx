import { type AnchorHTMLAttributes, type MouseEvent, useEffect, useState } from "react";

/**
 * A small router over the History API: the app has a handful of pages, so a
 * path matcher and a link component are all it needs.
 */

const listeners = new Set<() => void>();

/**
 * Goes to `path` without reloading; `replace` keeps the history short,
 * `keepScroll` stays where the page is (for filters of the same list).
 */
export function navigate(
  path: string,
  options: { replace?: boolean; keepScroll?: boolean } = {},
): void {
  if (options.replace) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  if (!options.keepScroll) window.scrollTo(0, 0);
  for (const l of listeners) l();
}

/** The current location (path and query), re-rendering when it changes. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const update = () => setTick((t) => t + 1);
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return {
    path: window.location.pathname,
    query: new URLSearchParams(window.location.search),
  };
}

/**
 * Matches `path` against a pattern like "/requests/:id/edit"; returns the
 * named parts, or undefined when it does not match.
 */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split("/").filter(Boolean);
  const have = path.split("/").filter(Boolean);
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const h = have[i] as string;
    if (w.startsWith(":")) params[w.slice(1)] = decodeURIComponent(h);
    else if (w !== h) return undefined;
  }
  return params;
}

/** An anchor that navigates inside the app; modified clicks open normally. */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const { onClick, href, ...rest } = props;
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={href} {...rest} onClick={handle} />;
}
