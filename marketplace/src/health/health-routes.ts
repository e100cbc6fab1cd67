import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { Health } from "@eddie-marketplace/gen";
import type { HealthStatus } from "./health-status.js";

/** Registers `grpc.health.v1.Health` on the client-facing router. */
export function healthRoutes(health: HealthStatus, shutdown: AbortSignal) {
  return (router: ConnectRouter) =>
    router.service(Health, {
      check(req) {
        const status = health.get(req.service);
        if (status === undefined) {
          throw new ConnectError(`unknown service "${req.service}"`, Code.NotFound);
        }
        return { status };
      },
      async *watch(req, ctx) {
        const signal = AbortSignal.any([ctx.signal, shutdown]);
        for await (const status of health.watch(req.service, signal)) yield { status };
      },
    });
}
