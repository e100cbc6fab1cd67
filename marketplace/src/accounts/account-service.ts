import type { Kysely } from "kysely";
import { ForbiddenError, NotFoundError, PreconditionError, Violations } from "../api/errors.js";
import type { Principal } from "../auth/principal.js";
import type { Database } from "../db/schema.js";
import {
  type AccountRow,
  type ApiClientRow,
  findActiveApiClient,
  insertApiClient,
  listActiveApiClients,
  markApiClientRevoked,
  setDisplayName,
  upsertAccount,
} from "./account-repository.js";
import type { ApiClientRegistry } from "./iam-admin-client.js";

/** Most active API clients one organisation may have. */
export const maxApiClientsPerOrganisation = 20;

/** What account handling needs. */
export interface AccountDeps {
  readonly db: Kysely<Database>;
  /** The IAM's client store; undefined when API clients are not available. */
  readonly apiClients: ApiClientRegistry | undefined;
  readonly now?: () => Date;
}

function checkName(value: string, field: string): string {
  const v = new Violations();
  const name = value.trim();
  v.check(name.length >= 1 && name.length <= 100, field, "must be 1 to 100 characters");
  v.throwIfAny();
  return name;
}

/**
 * Accounts as the Marketplace sees them: the caller's record (made on the
 * first GetMe, keyed by the token subject) and an eligible party's API
 * clients, kept in the IAM's client store and recorded here.
 */
export class Accounts {
  private readonly now: () => Date;
  constructor(private readonly deps: AccountDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The caller's account, created on first sight and refreshed from the token. */
  getMe(caller: Principal): Promise<AccountRow> {
    return upsertAccount(this.deps.db, caller);
  }

  /** Sets the caller's display name (1 to 100 characters). */
  async updateProfile(caller: Principal, displayName: string): Promise<AccountRow> {
    const name = checkName(displayName, "display_name");
    return this.deps.db.transaction().execute(async (tx) => {
      await upsertAccount(tx, caller);
      return setDisplayName(tx, caller.subject, name);
    });
  }

  /**
   * Creates an API client for the caller's organisation. The secret is
   * returned once; only the IAM keeps it, hashed.
   */
  async createApiClient(
    caller: Principal,
    name: string,
  ): Promise<{ client: ApiClientRow; secret: string }> {
    const organisation = this.organisationOf(caller);
    const clientName = checkName(name, "name");
    const registry = this.registry();
    const active = await listActiveApiClients(this.deps.db, organisation.id);
    if (active.length >= maxApiClientsPerOrganisation) {
      throw new PreconditionError(
        `your organisation has ${maxApiClientsPerOrganisation} API clients already: revoke one first`,
      );
    }
    const created = await registry.create({
      name: clientName,
      organisationId: organisation.id,
      organisationName: organisation.name,
      createdBy: caller.subject,
    });
    try {
      const client = await insertApiClient(this.deps.db, {
        client_id: created.clientId,
        organisation_id: organisation.id,
        name: clientName,
        created_by: caller.subject,
      });
      return { client, secret: created.clientSecret };
    } catch (err) {
      await registry.remove(created.clientId).catch(() => {});
      throw err;
    }
  }

  /** The caller's organisation's active API clients, newest first. */
  listApiClients(caller: Principal): Promise<ApiClientRow[]> {
    return listActiveApiClients(this.deps.db, this.organisationOf(caller).id);
  }

  /**
   * Revokes one of the caller's organisation's API clients: the IAM stops
   * issuing it tokens and the Marketplace refuses the ones it has at once.
   * Another organisation's client is NOT_FOUND.
   */
  async revokeApiClient(caller: Principal, clientId: string): Promise<void> {
    const organisation = this.organisationOf(caller);
    const client = await findActiveApiClient(this.deps.db, organisation.id, clientId);
    if (client === undefined) throw new NotFoundError("API client", clientId);
    await this.registry().remove(clientId);
    await markApiClientRevoked(this.deps.db, clientId, this.now());
  }

  private organisationOf(caller: Principal): { id: string; name: string } {
    if (caller.clientId !== undefined) {
      throw new ForbiddenError("an API client cannot manage API clients: sign in as a person");
    }
    if (caller.organisation === undefined) {
      throw new ForbiddenError("only an eligible party with an organisation has API clients");
    }
    return caller.organisation;
  }

  private registry(): ApiClientRegistry {
    if (this.deps.apiClients === undefined) {
      throw new PreconditionError(
        "API clients are not available: the Marketplace has no access to the IAM's client store (IAM_ADMIN_TOKEN)",
      );
    }
    return this.deps.apiClients;
  }
}
