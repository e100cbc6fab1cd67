import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type Account,
  AccountSchema,
  type AccountService,
  type ApiClient,
  ApiClientSchema,
  OrganisationSchema,
  Role,
} from "@eddie-marketplace/gen";
import type { AccountRow, ApiClientRow } from "../accounts/account-repository.js";
import type { Accounts } from "../accounts/account-service.js";
import { callerOf } from "../auth/principal.js";

function toAccount(row: AccountRow): Account {
  return create(AccountSchema, {
    subject: row.subject,
    role:
      row.role === "customer"
        ? Role.CUSTOMER
        : row.role === "eligible_party"
          ? Role.ELIGIBLE_PARTY
          : Role.UNSPECIFIED,
    organisation:
      row.organisation_id === null
        ? undefined
        : create(OrganisationSchema, {
            id: row.organisation_id,
            name: row.organisation_name ?? "",
          }),
    displayName: row.display_name,
    email: row.email ?? "",
    createdAt: timestampFromDate(row.created_at),
  });
}

function toApiClient(row: ApiClientRow): ApiClient {
  return create(ApiClientSchema, {
    clientId: row.client_id,
    name: row.name,
    createdAt: timestampFromDate(row.created_at),
    createdBy: row.created_by,
  });
}

/**
 * AccountService: who the caller is, their profile, and an eligible party's
 * API clients. Thin: the caller comes from the verified token, the rules
 * live in {@link Accounts}.
 */
export function accountService(accounts: Accounts): ServiceImpl<typeof AccountService> {
  return {
    async getMe(_req, ctx) {
      return { account: toAccount(await accounts.getMe(callerOf(ctx))) };
    },
    async updateProfile(req, ctx) {
      return { account: toAccount(await accounts.updateProfile(callerOf(ctx), req.displayName)) };
    },
    async createApiClient(req, ctx) {
      const { client, secret } = await accounts.createApiClient(callerOf(ctx), req.name);
      return { client: toApiClient(client), clientSecret: secret };
    },
    async listApiClients(_req, ctx) {
      return { clients: (await accounts.listApiClients(callerOf(ctx))).map(toApiClient) };
    },
    async revokeApiClient(req, ctx) {
      await accounts.revokeApiClient(callerOf(ctx), req.clientId);
      return {};
    },
  };
}
