import type { ServiceImpl } from "@connectrpc/connect";
import type { AccessService } from "@eddie-marketplace/gen";
import { callerOf, type Principal, Role } from "../auth/principal.js";
import type { Actor, PermissionLifecycle } from "../consent/permission-lifecycle.js";
import { ForbiddenError } from "./errors.js";

/**
 * AccessService: eligible parties ask access for a search run's matches and
 * terminate; customers approve, reject and revoke; both read permissions and
 * their audit trail. The role policy has already checked the caller's role;
 * the lifecycle does the object checks (NOT_FOUND for others' permissions).
 */
export function accessService(
  lifecycle: PermissionLifecycle,
): Partial<ServiceImpl<typeof AccessService>> {
  return {
    async requestAccess(req, ctx) {
      const organisation = organisationOf(callerOf(ctx));
      const result = await lifecycle.requestAccess(organisation, {
        searchRunId: req.searchRunId,
        expiresInDays: req.expiresInDays,
      });
      return {
        requestsSent: result.requestsSent,
        alreadyRequested: result.alreadyRequested,
        permissions: result.permissions,
      };
    },
    async listPermissions(req, ctx) {
      return lifecycle.list(actorOf(callerOf(ctx)), {
        states: req.states,
        dataRequestId: req.dataRequestId,
        pageSize: req.pageSize,
        pageToken: req.pageToken,
      });
    },
    async getPermission(req, ctx) {
      return lifecycle.get(actorOf(callerOf(ctx)), req.id);
    },
    async approvePermission(req, ctx) {
      return { permission: await lifecycle.approve(callerOf(ctx).subject, req.id) };
    },
    async rejectPermission(req, ctx) {
      return { permission: await lifecycle.reject(callerOf(ctx).subject, req.id, req.reason) };
    },
    async revokePermission(req, ctx) {
      return { permission: await lifecycle.revoke(callerOf(ctx).subject, req.id, req.reason) };
    },
    async terminatePermission(req, ctx) {
      const organisation = organisationOf(callerOf(ctx));
      return { permission: await lifecycle.terminate(organisation.id, req.id, req.reason) };
    },
  };
}

function organisationOf(me: Principal): { id: string; name: string } {
  if (me.organisation === undefined) {
    throw new ForbiddenError("your account acts for no organisation; finish your profile first");
  }
  return me.organisation;
}

/** The actor a caller is: a customer by subject, an eligible party by organisation. */
export function actorOf(me: Principal): Actor {
  if (me.role === Role.ELIGIBLE_PARTY) {
    return { kind: "eligible-party", organisationId: organisationOf(me).id };
  }
  return { kind: "customer", subject: me.subject };
}
