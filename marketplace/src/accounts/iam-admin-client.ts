import { Code } from "@connectrpc/connect";
import { DomainError } from "../api/errors.js";

/** The IAM's client store could not be reached or failed: UNAVAILABLE, try again. */
export class IamUnavailableError extends DomainError {
  readonly code = Code.Unavailable;
  constructor(cause: unknown) {
    super("the sign-in service can't manage API clients right now; try again shortly", {
      cause,
    });
  }
}

/**
 * Where EP API clients (client credentials) are created and deleted: the
 * IAM's client store. The Marketplace keeps its own record beside it.
 */
export interface ApiClientRegistry {
  /** Creates a client for the organisation; the secret is returned only here. */
  create(input: {
    name: string;
    organisationId: string;
    organisationName: string;
    createdBy: string;
  }): Promise<{ clientId: string; clientSecret: string }>;
  /** Deletes a client: from then on the IAM issues it no tokens. Idempotent. */
  remove(clientId: string): Promise<void>;
}

/**
 * The bundled IAM's admin API (`/admin/api-clients`), authenticated with the
 * shared admin token.
 *
 * @example
 * const registry = iamAdminRegistry({ url: "http://localhost:8081", token });
 */
export function iamAdminRegistry(options: { url: string; token: string }): ApiClientRegistry {
  const base = `${options.url.replace(/\/$/, "")}/admin/api-clients`;
  const headers = { authorization: `Bearer ${options.token}` };
  const call = async (url: string, init: RequestInit): Promise<Response> => {
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw new IamUnavailableError(err);
    }
    if (res.status >= 500) throw new IamUnavailableError(new Error(`IAM answered ${res.status}`));
    return res;
  };
  return {
    async create(input) {
      const res = await call(base, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({
          name: input.name,
          org_id: input.organisationId,
          org_name: input.organisationName,
          created_by: input.createdBy,
        }),
      });
      if (res.status !== 201) {
        throw new Error(
          `the IAM refused to create an API client: ${res.status} ${await res.text()}`,
        );
      }
      const body = (await res.json()) as { client_id: string; client_secret: string };
      return { clientId: body.client_id, clientSecret: body.client_secret };
    },
    async remove(clientId) {
      const res = await call(`${base}/${encodeURIComponent(clientId)}`, {
        method: "DELETE",
        headers,
      });
      if (res.status !== 204 && res.status !== 404) {
        throw new Error(`the IAM refused to delete API client ${clientId}: ${res.status}`);
      }
    },
  };
}

/**
 * The registry the configuration names (`IAM_ADMIN_TOKEN`, `IAM_ADMIN_URL`),
 * or undefined when no admin token is set: then API clients can't be created.
 */
export function apiClientRegistryFor(config: {
  readonly iamAdminToken: string | undefined;
  readonly iamAdminUrl: string;
}): ApiClientRegistry | undefined {
  if (config.iamAdminToken === undefined) return undefined;
  return iamAdminRegistry({ url: config.iamAdminUrl, token: config.iamAdminToken });
}
