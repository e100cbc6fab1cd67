import { useCallback, useEffect, useState } from "react";
import { isCancelled } from "./error-message.js";

/** A value being loaded: loading, ready with data, or failed. */
export type AsyncState<T> =
  | { status: "loading"; data?: undefined; error?: undefined }
  | { status: "ready"; data: T; error?: undefined }
  | { status: "error"; data?: undefined; error: unknown };

/**
 * Loads a value when the screen opens (and again whenever `key` changes),
 * cancelling the call when the screen closes.
 *
 * @example
 * const instances = useAsync((signal) => mp.instances.listInstances({}, { signal }), "instances");
 */
export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  key: string,
): AsyncState<T> & { reload(): void; setData(data: T): void } {
  const [state, setState] = useState<AsyncState<T>>({ status: "loading" });
  const [round, setRound] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` and `round` decide when to load again; `load` is a new closure on every render.
  useEffect(() => {
    const abort = new AbortController();
    setState((s) => (s.status === "ready" && round > 0 ? s : { status: "loading" }));
    load(abort.signal).then(
      (data) => {
        if (!abort.signal.aborted) setState({ status: "ready", data });
      },
      (error: unknown) => {
        if (!abort.signal.aborted && !isCancelled(error)) setState({ status: "error", error });
      },
    );
    return () => abort.abort();
  }, [key, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  useReloadWhenOnline(state.status === "error", reload);
  const setData = useCallback((data: T) => setState({ status: "ready", data }), []);
  return { ...state, reload, setData };
}

/** Calls `reload` when the network comes back while `failed` is true. */
export function useReloadWhenOnline(failed: boolean, reload: () => void): void {
  useEffect(() => {
    if (!failed) return;
    window.addEventListener("online", reload);
    return () => window.removeEventListener("online", reload);
  }, [failed, reload]);
}
