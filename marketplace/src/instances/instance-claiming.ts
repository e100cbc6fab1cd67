import type { Kysely, Transaction } from "kysely";
import {
  NotFoundError,
  PreconditionError,
  RateLimitedError,
  ValidationError,
} from "../api/errors.js";
import type { Database } from "../db/schema.js";
import { hashPairingCode, newPairingCode, normalizePairingCode } from "../mesh/pairing-code.js";
import { findInstance, type InstanceRow } from "./instance-repository.js";

/** How pairing codes behave. */
export interface PairingPolicy {
  /** How long a code works. */
  readonly codeTtlMs: number;
  /** Wrong codes in a row before the instance locks. */
  readonly maxFailedAttempts: number;
  /** How long a locked instance refuses every code. */
  readonly lockMs: number;
}

/** Ten-minute codes; five wrong tries lock the instance for fifteen minutes. */
export const defaultPairingPolicy: PairingPolicy = {
  codeTtlMs: 10 * 60_000,
  maxFailedAttempts: 5,
  lockMs: 15 * 60_000,
};

/** A code to show, and when it stops working. */
export interface IssuedCode {
  readonly code: string;
  readonly expiresAt: Date;
}

/**
 * Issues a fresh pairing code for an unclaimed instance; the previous code
 * stops working. Only the hash is stored. Wrong-try counts and locks are kept,
 * so rotating codes never resets the guessing budget.
 */
export async function issuePairingCode(
  db: Kysely<Database>,
  instanceId: string,
  now: Date,
  policy: PairingPolicy = defaultPairingPolicy,
): Promise<IssuedCode> {
  const code = newPairingCode();
  const expiresAt = new Date(now.getTime() + policy.codeTtlMs);
  await db
    .insertInto("instance_pairing")
    .values({ instance_id: instanceId, code_hash: hashPairingCode(code), expires_at: expiresAt })
    .onConflict((oc) =>
      oc
        .column("instance_id")
        .doUpdateSet({ code_hash: hashPairingCode(code), expires_at: expiresAt }),
    )
    .execute();
  return { code, expiresAt };
}

const wrongCode = () =>
  new ValidationError([
    {
      field: "pairing_code",
      description:
        "this ID and pairing code don't match an instance waiting to be claimed; check both on the instance's screen",
    },
  ]);

type ClaimOutcome =
  | { readonly kind: "claimed"; readonly row: InstanceRow }
  | { readonly kind: "wrong" | "locked" | "taken" | "mine" };

/**
 * Claims an instance for `subject` with the pairing code the instance shows.
 * The code is single-use and expires; after `maxFailedAttempts` wrong codes
 * the instance refuses every code for `lockMs` (RESOURCE_EXHAUSTED). An
 * unknown ID and a wrong code give the same INVALID_ARGUMENT, so IDs can't be
 * probed. A wrong try is counted even though the call fails.
 */
export async function claimInstance(
  db: Kysely<Database>,
  input: { subject: string; instanceId: string; pairingCode: string },
  now: Date,
  policy: PairingPolicy = defaultPairingPolicy,
): Promise<InstanceRow> {
  const instanceId = input.instanceId.trim().toLowerCase();
  const code = normalizePairingCode(input.pairingCode);
  if (instanceId === "" || code === "") {
    throw new ValidationError([
      ...(instanceId === ""
        ? [{ field: "instance_id", description: "enter the instance's ID" }]
        : []),
      ...(code === "" ? [{ field: "pairing_code", description: "enter the pairing code" }] : []),
    ]);
  }
  const outcome = await db
    .transaction()
    .execute(
      async (trx): Promise<ClaimOutcome> =>
        attempt(trx, input.subject, instanceId, code, now, policy),
    );
  switch (outcome.kind) {
    case "claimed":
      return outcome.row;
    case "wrong":
      throw wrongCode();
    case "locked":
      throw new RateLimitedError(
        "too many wrong pairing codes for this instance; wait a few minutes and try the code it shows then",
      );
    case "taken":
      throw new PreconditionError(
        "another customer has claimed this instance; they must release it before you can claim it",
      );
    case "mine":
      throw new PreconditionError("you have already claimed this instance");
  }
}

async function attempt(
  trx: Transaction<Database>,
  subject: string,
  instanceId: string,
  code: string,
  now: Date,
  policy: PairingPolicy,
): Promise<ClaimOutcome> {
  const instance = await trx
    .selectFrom("aiida_instance")
    .select(["claimed_by"])
    .where("instance_id", "=", instanceId)
    .forUpdate()
    .executeTakeFirst();
  if (instance === undefined) return { kind: "wrong" };
  const pairing = await trx
    .selectFrom("instance_pairing")
    .selectAll()
    .where("instance_id", "=", instanceId)
    .forUpdate()
    .executeTakeFirst();
  if (pairing?.locked_until != null && pairing.locked_until > now) return { kind: "locked" };
  if (instance.claimed_by === subject) return { kind: "mine" };
  if (instance.claimed_by !== null) return { kind: "taken" };

  const good =
    pairing?.code_hash != null &&
    pairing.expires_at != null &&
    pairing.expires_at > now &&
    pairing.code_hash === hashPairingCode(code);
  if (!good) {
    const lockExpired = pairing?.locked_until != null && pairing.locked_until <= now;
    const failed = (lockExpired ? 0 : (pairing?.failed_attempts ?? 0)) + 1;
    const lock = failed >= policy.maxFailedAttempts;
    await trx
      .insertInto("instance_pairing")
      .values({
        instance_id: instanceId,
        failed_attempts: lock ? 0 : failed,
        locked_until: lock ? new Date(now.getTime() + policy.lockMs) : null,
      })
      .onConflict((oc) =>
        oc.column("instance_id").doUpdateSet({
          failed_attempts: lock ? 0 : failed,
          locked_until: lock ? new Date(now.getTime() + policy.lockMs) : null,
        }),
      )
      .execute();
    return { kind: lock ? "locked" : "wrong" };
  }
  await trx
    .updateTable("instance_pairing")
    .set({ code_hash: null, expires_at: null, failed_attempts: 0, locked_until: null })
    .where("instance_id", "=", instanceId)
    .execute();
  const row = await trx
    .updateTable("aiida_instance")
    .set({ claimed_by: subject, claimed_at: now })
    .where("instance_id", "=", instanceId)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { kind: "claimed", row };
}

/**
 * Releases one of `subject`'s instances so it can be claimed again.
 * `inRelease` runs in the same transaction (the access part revokes the
 * instance's active permissions there). Another customer's instance is
 * NOT_FOUND, as if it didn't exist.
 */
export async function releaseInstance(
  db: Kysely<Database>,
  input: { subject: string; instanceId: string },
  inRelease: (trx: Transaction<Database>, instanceId: string) => Promise<void> = async () => {},
): Promise<void> {
  const instanceId = input.instanceId.trim().toLowerCase();
  await db.transaction().execute(async (trx) => {
    const released = await trx
      .updateTable("aiida_instance")
      .set({ claimed_by: null, claimed_at: null })
      .where("instance_id", "=", instanceId)
      .where("claimed_by", "=", input.subject)
      .returning("instance_id")
      .executeTakeFirst();
    if (released === undefined) throw new NotFoundError("instance", input.instanceId);
    await inRelease(trx, instanceId);
  });
}

/** One of `subject`'s instances, or NOT_FOUND. */
export async function findOwnInstance(
  db: Kysely<Database>,
  subject: string,
  instanceId: string,
): Promise<InstanceRow> {
  const row = await findInstance(db, instanceId.trim());
  if (row === undefined || row.claimed_by !== subject) {
    throw new NotFoundError("instance", instanceId);
  }
  return row;
}
