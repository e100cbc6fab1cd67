import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { Role } from "@eddie-marketplace/gen";
import type { Logger } from "@eddie-marketplace/sdk/log";
import { allowedRoles, publicServices } from "./policy.js";
import { principalKey } from "./principal.js";
import type { TokenVerifier } from "./token-verifier.js";

/**
 * Authenticates every client-facing RPC and enforces the role policy before
 * any handler runs. A missing, malformed or unverifiable token is
 * UNAUTHENTICATED; a role the policy does not allow is PERMISSION_DENIED.
 */
export function authInterceptor(verifier: TokenVerifier, log: Logger): Interceptor {
  return (next) => async (req) => {
    const service = req.service.typeName;
    if (publicServices.has(service)) return next(req);

    const header = req.header.get("authorization");
    const match = header === null ? null : /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
    if (match === null || match[1] === undefined) {
      throw new ConnectError(
        'sign in first: send "Authorization: Bearer <access token>"',
        Code.Unauthenticated,
      );
    }
    let principal: Awaited<ReturnType<TokenVerifier["verify"]>>;
    try {
      principal = await verifier.verify(match[1]);
    } catch (cause) {
      if (cause instanceof ConnectError && cause.code === Code.Unavailable) {
        log.warn("cannot check tokens", { err: cause.cause });
        throw cause;
      }
      log.debug("token refused", { err: cause, method: `${service}/${req.method.name}` });
      throw new ConnectError(
        "the access token is not valid: sign in again",
        Code.Unauthenticated,
        undefined,
        undefined,
        cause,
      );
    }
    const roles = allowedRoles(service, req.method.name);
    if (roles === undefined || !roles.includes(principal.role)) {
      throw new ConnectError(
        `a ${roleName(principal.role)} may not call ${req.method.name}`,
        Code.PermissionDenied,
      );
    }
    req.contextValues.set(principalKey, principal);
    return next(req);
  };
}

function roleName(role: Role): string {
  switch (role) {
    case Role.CUSTOMER:
      return "customer";
    case Role.ELIGIBLE_PARTY:
      return "eligible party";
    default:
      return "caller without a role";
  }
}
