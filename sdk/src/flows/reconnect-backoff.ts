/**
 * How long to wait between reconnects: exponential with jitter, as gRPC's
 * connection backoff. Defaults: 1 s initial, x1.6, ±20 % jitter, 30 s max.
 */
export interface BackoffOptions {
  /** The first delay, in milliseconds. */
  readonly initialMs: number;
  /** Each further delay is the previous one times this. */
  readonly multiplier: number;
  /** Random spread, as a fraction of the delay (0.2 = ±20 %). */
  readonly jitter: number;
  /** No delay is longer than this, in milliseconds. */
  readonly maxMs: number;
}

/** The defaults of {@link BackoffOptions}. */
export const defaultBackoff: BackoffOptions = {
  initialMs: 1_000,
  multiplier: 1.6,
  jitter: 0.2,
  maxMs: 30_000,
};

/**
 * The delay before reconnect number `attempt` (0 for the first retry).
 * `random` is injectable for tests.
 */
export function backoffDelay(
  attempt: number,
  options: Partial<BackoffOptions> = {},
  random: () => number = Math.random,
): number {
  const o = { ...defaultBackoff, ...options };
  const base = Math.min(o.maxMs, o.initialMs * o.multiplier ** attempt);
  const spread = base * o.jitter * (random() * 2 - 1);
  return Math.max(0, Math.min(o.maxMs, Math.round(base + spread)));
}

/** Waits `ms`, or less when `signal` aborts (then it resolves false). */
export function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
