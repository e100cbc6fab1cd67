import { Code, ConnectError, createContextKey, type HandlerContext } from "@connectrpc/connect";
import { Role } from "@eddie-marketplace/gen";

/**
 * Who is calling, as established from a verified IAM access token. Handlers
 * read it with {@link callerOf}; they never look at tokens themselves.
 */
export interface Principal {
  /** The token subject: a person's account id, or an API client's id. */
  readonly subject: string;
  readonly role: Role;
  /** The organisation an eligible party acts for. */
  readonly organisation?: { readonly id: string; readonly name: string } | undefined;
  readonly email?: string | undefined;
  readonly name?: string | undefined;
  /** Set when the caller is an API client (client credentials), not a person. */
  readonly clientId?: string | undefined;
}

/** Where the authentication interceptor leaves the caller for handlers. */
export const principalKey = createContextKey<Principal | undefined>(undefined, {
  description: "the verified caller",
});

/**
 * The verified caller of this RPC. The interceptor has already checked the
 * caller's role against the policy, so handlers only do object checks.
 *
 * @example
 * const me = callerOf(ctx);
 * if (row.organisation_id !== me.organisation?.id) throw notFound("data request");
 */
export function callerOf(ctx: HandlerContext): Principal {
  const principal = ctx.values.get(principalKey);
  if (principal === undefined) {
    throw new ConnectError("sign in first: this call needs an access token", Code.Unauthenticated);
  }
  return principal;
}

export { Role };
