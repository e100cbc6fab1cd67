/** The gRPC connection backoff parameters (grpc/doc/connection-backoff.md). */
export interface BackoffOptions {
  /** The first wait, in milliseconds. */
  readonly initialMs: number;
  /** How much each wait grows over the one before. */
  readonly multiplier: number;
  /** Each wait is moved at random by up to this fraction either way. */
  readonly jitter: number;
  /** The longest wait before jitter, in milliseconds. */
  readonly maxMs: number;
}

/** What the gRPC specification prescribes: 1 s, x1.6, jitter 0.2, at most 120 s. */
export const GRPC_BACKOFF: BackoffOptions = {
  initialMs: 1000,
  multiplier: 1.6,
  jitter: 0.2,
  maxMs: 120_000,
};

/**
 * The waits between reconnection attempts. Each `next()` is the current wait
 * with jitter; the wait then grows by the multiplier up to the maximum.
 * `reset()` after a stream was accepted, so the next break retries soon.
 *
 * @example
 * const backoff = new ReconnectBackoff();
 * setTimeout(reconnect, backoff.next()); // ~1 s, then ~1.6 s, ~2.56 s, …
 */
export class ReconnectBackoff {
  private current: number;

  constructor(
    private readonly options: BackoffOptions = GRPC_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {
    if (!(options.initialMs > 0 && options.multiplier >= 1 && options.maxMs >= options.initialMs)) {
      throw new RangeError("backoff needs initialMs > 0, multiplier >= 1 and maxMs >= initialMs");
    }
    if (!(options.jitter >= 0 && options.jitter < 1)) {
      throw new RangeError("backoff jitter must be in [0, 1)");
    }
    this.current = options.initialMs;
  }

  /** The next wait in milliseconds; grows the one after. */
  next(): number {
    const base = this.current;
    this.current = Math.min(base * this.options.multiplier, this.options.maxMs);
    const spread = this.options.jitter * (2 * this.random() - 1);
    return Math.round(base * (1 + spread));
  }

  /** Starts over from the initial wait. */
  reset(): void {
    this.current = this.options.initialMs;
  }
}
