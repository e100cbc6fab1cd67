import type { Adapter, AdapterPayload } from "oidc-provider";
import type { IamDb } from "./iam-database.js";

const grantable = new Set([
  "AccessToken",
  "AuthorizationCode",
  "RefreshToken",
  "DeviceCode",
  "BackchannelAuthenticationRequest",
]);

/**
 * oidc-provider's storage in the database: one generic table keyed by
 * (model, id). Expired rows are invisible on read and removed by
 * {@link purgeExpired}.
 *
 * @example
 * new Provider(issuer, { adapter: databaseAdapter(db) });
 */
export function databaseAdapter(db: IamDb): new (model: string) => Adapter {
  return class DatabaseAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const row = {
        payload: JSON.stringify(payload),
        grant_id: grantable.has(this.model) ? (payload.grantId ?? null) : null,
        uid: payload.uid ?? null,
        user_code: payload.userCode ?? null,
        expires_at: expiresIn > 0 ? new Date(Date.now() + expiresIn * 1000) : null,
        consumed_at: null,
      };
      await db
        .insertInto("iam.oidc_payload")
        .values({ model: this.model, id, ...row })
        .onConflict((oc) => oc.columns(["model", "id"]).doUpdateSet(row))
        .execute();
    }

    find(id: string) {
      return this.findBy("id", id);
    }

    findByUid(uid: string) {
      return this.findBy("uid", uid);
    }

    findByUserCode(userCode: string) {
      return this.findBy("user_code", userCode);
    }

    async consume(id: string): Promise<void> {
      await db
        .updateTable("iam.oidc_payload")
        .set({ consumed_at: new Date() })
        .where("model", "=", this.model)
        .where("id", "=", id)
        .execute();
    }

    async destroy(id: string): Promise<void> {
      await db
        .deleteFrom("iam.oidc_payload")
        .where("model", "=", this.model)
        .where("id", "=", id)
        .execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db.deleteFrom("iam.oidc_payload").where("grant_id", "=", grantId).execute();
    }

    private async findBy(
      column: "id" | "uid" | "user_code",
      value: string,
    ): Promise<AdapterPayload | undefined> {
      const row = await db
        .selectFrom("iam.oidc_payload")
        .select(["payload", "consumed_at"])
        .where("model", "=", this.model)
        .where(column, "=", value)
        .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", new Date())]))
        .executeTakeFirst();
      if (row === undefined) return undefined;
      const payload = (
        typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload
      ) as AdapterPayload;
      return row.consumed_at === null
        ? payload
        : { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) };
    }
  };
}

/** Deletes stored artefacts that expired; returns how many. */
export async function purgeExpired(db: IamDb): Promise<number> {
  const r = await db
    .deleteFrom("iam.oidc_payload")
    .where("expires_at", "<", new Date())
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
