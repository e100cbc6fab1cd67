import { HealthCheckResponse_ServingStatus as ServingStatus } from "@eddie-marketplace/gen";

export { ServingStatus };

/**
 * The serving status of the Marketplace and its services, shared by both
 * listeners' `grpc.health.v1.Health` services. The empty name "" stands for
 * the whole server, as the health protocol defines.
 */
export class HealthStatus {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Set<() => void>();

  constructor(services: readonly string[] = []) {
    this.statuses.set("", ServingStatus.SERVING);
    for (const s of services) this.statuses.set(s, ServingStatus.SERVING);
  }

  /** The status of `service`, or undefined when it is not known. */
  get(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** Sets every known service, and the server, to `status` (NOT_SERVING at shutdown). */
  setAll(status: ServingStatus): void {
    for (const key of this.statuses.keys()) this.statuses.set(key, status);
    for (const notify of this.watchers) notify();
  }

  /**
   * Yields the status of `service` now and after each change, until `signal`
   * aborts. An unknown service yields SERVICE_UNKNOWN, as the protocol says.
   */
  async *watch(service: string, signal: AbortSignal): AsyncGenerator<ServingStatus> {
    let last: ServingStatus | undefined;
    let wake: (() => void) | undefined;
    const notify = () => wake?.();
    this.watchers.add(notify);
    const onAbort = () => wake?.();
    signal.addEventListener("abort", onAbort);
    try {
      while (!signal.aborted) {
        const now = this.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
        if (now !== last) {
          last = now;
          yield now;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      this.watchers.delete(notify);
      signal.removeEventListener("abort", onAbort);
    }
  }
}
