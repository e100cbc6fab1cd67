import { Asset, ObisCode, Schema } from "@eddie-marketplace/gen";
import {
  GRANT_ALGORITHM,
  GRANT_TYPE,
  type GrantClaims,
  grantPayload,
} from "@eddie-marketplace/sdk/grant";
import { type CryptoKey, type KeyObject, SignJWT } from "jose";

/**
 * Grant claims for delivery tests: energy import and power, every second,
 * from a minute ago for an hour, to `deliveryEndpoint`; pass fields to change.
 */
export function testGrantClaims(
  deliveryEndpoint: string,
  fields: Partial<GrantClaims> = {},
): GrantClaims {
  const now = Date.now();
  return {
    permissionId: "p-1",
    instanceId: "inst-1",
    organisationId: "acme",
    organisationName: "Acme Energy",
    dataRequestId: "dr-1",
    dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY, ObisCode.POSITIVE_ACTIVE_INSTANTANEOUS_POWER],
    schemas: [Schema.SMART_METER_P1_RAW],
    asset: Asset.CONNECTION_AGREEMENT_POINT,
    transmissionSchedule: "* * * * * *",
    deliveryEndpoint,
    start: new Date(now - 60_000),
    end: new Date(now + 3_600_000),
    ...fields,
  };
}

/** Signs `claims` as the Marketplace signs a grant, with `key` under key ID "mp". */
export function signTestGrant(claims: GrantClaims, key: CryptoKey | KeyObject): Promise<string> {
  return new SignJWT(grantPayload(claims, new Date()))
    .setProtectedHeader({ alg: GRANT_ALGORITHM, typ: GRANT_TYPE, kid: "mp" })
    .sign(key);
}
