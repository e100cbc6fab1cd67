import { Code, ConnectError } from "@connectrpc/connect";
import type { FetchFunction } from "./oidc-discovery.js";

/** The tokens an OAuth token endpoint hands out, with the expiry made absolute. */
export interface TokenSet {
  /** The access token to send to the Marketplace. */
  readonly accessToken: string;
  /** When the access token expires, in milliseconds since the epoch. */
  readonly expiresAt: number;
  /** A refresh token, when the provider issued one (scope `offline_access`). */
  readonly refreshToken?: string | undefined;
  /** The ID token of a signed-in person, for logout hints. */
  readonly idToken?: string | undefined;
  /** The granted scopes, space separated. */
  readonly scope?: string | undefined;
}

/**
 * An error answer of an OAuth endpoint (RFC 6749 §5.2). The SDK throws it as
 * the `cause` of a ConnectError; read it there when the OAuth code matters.
 */
export class OAuthError extends Error {
  override readonly name = "OAuthError";
  constructor(
    /** The OAuth error code, for example "invalid_client" or "invalid_grant". */
    readonly error: string,
    /** The provider's explanation, if it gave one. */
    readonly description: string | undefined,
    /** The HTTP status of the answer. */
    readonly status: number,
  ) {
    super(description ? `${error}: ${description}` : error);
  }
}

const codeForOAuthError: Record<string, Code> = {
  invalid_client: Code.Unauthenticated,
  unauthorized_client: Code.PermissionDenied,
  invalid_grant: Code.Unauthenticated,
  access_denied: Code.PermissionDenied,
  invalid_request: Code.InvalidArgument,
  invalid_scope: Code.InvalidArgument,
  invalid_target: Code.InvalidArgument,
  unsupported_grant_type: Code.FailedPrecondition,
};

/**
 * The ConnectError for an OAuth error code: UNAUTHENTICATED for bad client
 * credentials or an expired code/refresh token, PERMISSION_DENIED when the
 * client may not use the grant, INVALID_ARGUMENT for bad parameters,
 * FAILED_PRECONDITION for a grant the provider does not support.
 */
export function oauthConnectError(err: OAuthError, doing: string): ConnectError {
  return new ConnectError(
    `the IAM refused ${doing}: ${err.message}`,
    codeForOAuthError[err.error] ?? Code.Unknown,
    undefined,
    undefined,
    err,
  );
}

/**
 * Posts a form to a token endpoint and reads the token answer.
 * @throws ConnectError (see {@link oauthConnectError}); UNAVAILABLE when the
 * endpoint can't be reached or answers with something other than OAuth JSON.
 */
export async function requestTokens(options: {
  endpoint: string;
  form: Record<string, string | undefined>;
  headers?: Record<string, string>;
  fetch: FetchFunction;
  doing: string;
  now: () => number;
}): Promise<TokenSet> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(options.form)) if (v !== undefined) body.set(k, v);
  const started = options.now();
  let res: Response;
  try {
    res = await options.fetch(options.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
        ...options.headers,
      },
      body,
    });
  } catch (err) {
    throw new ConnectError(
      `cannot reach the IAM's token endpoint ${options.endpoint} for ${options.doing}`,
      Code.Unavailable,
      undefined,
      undefined,
      err,
    );
  }
  let json: Record<string, unknown>;
  try {
    json = (await res.json()) as Record<string, unknown>;
  } catch (err) {
    throw new ConnectError(
      `the IAM's token endpoint answered ${res.status} without JSON for ${options.doing}`,
      Code.Unavailable,
      undefined,
      undefined,
      err,
    );
  }
  if (!res.ok || typeof json.error === "string") {
    const oauth = new OAuthError(
      typeof json.error === "string" ? json.error : `http_${res.status}`,
      typeof json.error_description === "string" ? json.error_description : undefined,
      res.status,
    );
    throw oauthConnectError(oauth, options.doing);
  }
  if (typeof json.access_token !== "string") {
    throw new ConnectError(
      `the IAM's token endpoint gave no access token for ${options.doing}`,
      Code.Unavailable,
    );
  }
  const expiresIn = typeof json.expires_in === "number" ? json.expires_in : 300;
  return {
    accessToken: json.access_token,
    // Counted from when the request was sent, so a slow answer errs early.
    expiresAt: started + expiresIn * 1000,
    refreshToken: typeof json.refresh_token === "string" ? json.refresh_token : undefined,
    idToken: typeof json.id_token === "string" ? json.id_token : undefined,
    scope: typeof json.scope === "string" ? json.scope : undefined,
  };
}
