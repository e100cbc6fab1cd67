import { Code, ConnectError } from "@connectrpc/connect";

/** The parts of an OpenID provider's metadata (OIDC Discovery 1.0) the SDK uses. */
export interface IssuerMetadata {
  /** The issuer identifier; equals the URL discovery was done for. */
  readonly issuer: string;
  /** Where codes, refresh tokens and client credentials are exchanged for tokens. */
  readonly token_endpoint: string;
  /** Where browsers are sent to sign in (authorization code flow). */
  readonly authorization_endpoint?: string;
  /** Where browsers are sent to sign out (RP-initiated logout). */
  readonly end_session_endpoint?: string;
  /** Where token revocation requests go (RFC 7009). */
  readonly revocation_endpoint?: string;
  /** The provider's signing keys. */
  readonly jwks_uri?: string;
  /** The PKCE methods the provider accepts; the SDK uses "S256". */
  readonly code_challenge_methods_supported?: readonly string[];
  /** Whether the provider adds `iss` to authorization responses (RFC 9207). */
  readonly authorization_response_iss_parameter_supported?: boolean;
}

/** The fetch the sign-in and token functions use; pass your own to add proxies or logging. */
export type FetchFunction = (
  input: string | URL | Request,
  init?: RequestInit,
) => Promise<Response>;

const discovered = new Map<string, Promise<IssuerMetadata>>();

/**
 * Reads an OpenID provider's metadata from
 * `<issuer>/.well-known/openid-configuration` and checks that it names the
 * same issuer. Results are cached per issuer for the life of the page or
 * process; a failed discovery is not cached.
 *
 * @throws ConnectError UNAVAILABLE when the provider can't be reached or
 * answers with an error; FAILED_PRECONDITION when its metadata names another
 * issuer or lacks a token endpoint.
 * @example
 * const meta = await discoverIssuer("https://iam.example.com");
 * console.log(meta.token_endpoint);
 */
export function discoverIssuer(
  issuer: string,
  options: { fetch?: FetchFunction } = {},
): Promise<IssuerMetadata> {
  const key = issuer.replace(/\/+$/, "");
  const cached = discovered.get(key);
  if (cached !== undefined) return cached;
  const pending = fetchMetadata(key, options.fetch ?? globalThis.fetch.bind(globalThis));
  discovered.set(key, pending);
  pending.catch(() => discovered.delete(key));
  return pending;
}

async function fetchMetadata(issuer: string, fetchFn: FetchFunction): Promise<IssuerMetadata> {
  const url = `${issuer}/.well-known/openid-configuration`;
  let res: Response;
  try {
    res = await fetchFn(url, { headers: { accept: "application/json" } });
  } catch (err) {
    throw new ConnectError(
      `cannot reach the IAM at ${url}: check the issuer URL and the network`,
      Code.Unavailable,
      undefined,
      undefined,
      err,
    );
  }
  if (!res.ok) {
    throw new ConnectError(
      `the IAM answered ${res.status} to discovery at ${url}: check the issuer URL`,
      Code.Unavailable,
    );
  }
  const meta = (await res.json()) as Partial<IssuerMetadata>;
  if (typeof meta.issuer !== "string" || meta.issuer.replace(/\/+$/, "") !== issuer) {
    throw new ConnectError(
      `the IAM at ${url} calls itself "${String(meta.issuer)}", not "${issuer}": use its own issuer URL`,
      Code.FailedPrecondition,
    );
  }
  if (typeof meta.token_endpoint !== "string") {
    throw new ConnectError(
      `the IAM at ${url} publishes no token endpoint`,
      Code.FailedPrecondition,
    );
  }
  return meta as IssuerMetadata;
}
