/**
 * Slows down password guessing: after `maxFailures` failed logins for one
 * e-mail address within `windowMs`, further attempts for it are refused
 * until the window has passed. A successful login clears the count. Kept in
 * memory: one IAM process, and a restart only gives back a few guesses.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly options: {
      maxFailures: number;
      windowMs: number;
      now?: () => number;
    } = { maxFailures: 5, windowMs: 15 * 60_000 },
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private recent(key: string): number[] {
    const since = this.now() - this.options.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  /** Milliseconds until `email` may try again, or 0 when it may now. */
  retryAfterMs(email: string): number {
    const list = this.recent(email.trim().toLowerCase());
    if (list.length < this.options.maxFailures) return 0;
    const oldest = list[list.length - this.options.maxFailures] ?? this.now();
    return Math.max(0, oldest + this.options.windowMs - this.now());
  }

  /** Records a failed login for `email`. */
  failed(email: string): void {
    const key = email.trim().toLowerCase();
    this.failures.set(key, [...this.recent(key), this.now()]);
    if (this.failures.size > 100_000) this.failures.delete(this.failures.keys().next().value ?? "");
  }

  /** Clears the failures of `email` after a successful login. */
  succeeded(email: string): void {
    this.failures.delete(email.trim().toLowerCase());
  }
}
