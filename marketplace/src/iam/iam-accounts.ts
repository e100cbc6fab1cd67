import { randomUUID } from "node:crypto";
import type { IamDb } from "./iam-database.js";
import { decoyHash, hashPassword, verifyPassword } from "./password-hash.js";

/** The two kinds of people who sign up. */
export type IamRole = "customer" | "eligible_party";

/** A person's IAM account as the provider's claims need it. */
export interface IamAccount {
  readonly id: string;
  readonly email: string;
  readonly role: IamRole;
  readonly displayName: string;
  readonly organisation: { readonly id: string; readonly name: string } | undefined;
}

/** What the sign-up page collects. */
export interface SignUpInput {
  readonly email: string;
  readonly password: string;
  readonly displayName: string;
  readonly role: string;
  readonly organisation: string;
  /** A fixed organisation id, for seeded accounts only; sign-ups get a new one. */
  readonly organisationId?: string;
}

/** The sign-up input broke a rule; `errors` maps each form field to a message. */
export class SignUpRejected extends Error {
  constructor(readonly errors: Readonly<Record<string, string>>) {
    super(Object.values(errors).join(" "));
    this.name = "SignUpRejected";
  }
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const commonPasswords = new Set([
  "password123",
  "password1234",
  "1234567890",
  "12345678910",
  "qwertyuiop",
  "iloveyou123",
  "letmein1234",
  "welcome1234",
  "adminadmin",
  "passwordpassword",
]);

/** Checks sign-up input; every broken rule is reported at once, per field. */
export function checkSignUp(input: SignUpInput): Record<string, string> {
  const errors: Record<string, string> = {};
  const email = input.email.trim().toLowerCase();
  if (!emailPattern.test(email) || email.length > 254) {
    errors.email = "Enter a valid e-mail address, like name@example.com.";
  }
  const pw = input.password;
  if (pw.length < 10) {
    errors.password = "Choose a password of at least 10 characters.";
  } else if (pw.length > 200) {
    errors.password = "Choose a password of at most 200 characters.";
  } else if (
    commonPasswords.has(pw.toLowerCase()) ||
    new Set(pw).size < 4 ||
    ((email.split("@")[0] ?? "").length >= 4 &&
      pw.toLowerCase().includes(email.split("@")[0] ?? ""))
  ) {
    errors.password = "This password is too easy to guess: mix more different characters.";
  }
  const name = input.displayName.trim();
  if (name.length < 1 || name.length > 100) {
    errors.display_name = "Enter your name (1 to 100 characters).";
  }
  if (input.role !== "customer" && input.role !== "eligible_party") {
    errors.role = "Choose whether you sign up as a customer or as an eligible party.";
  } else if (input.role === "eligible_party") {
    const org = input.organisation.trim();
    if (org.length < 2 || org.length > 100) {
      errors.organisation =
        "An eligible party needs its organisation's name (2 to 100 characters).";
    }
  }
  return errors;
}

/**
 * The IAM's accounts: sign-up, password check, and lookup for claims. All
 * writes of one sign-up (organisation and account) happen in one transaction.
 */
export class IamAccounts {
  constructor(private readonly db: IamDb) {}

  /**
   * Creates an account (and, for an eligible party, its organisation), or
   * throws {@link SignUpRejected} with a message per field and stores nothing.
   */
  async signUp(input: SignUpInput): Promise<IamAccount> {
    const errors = checkSignUp(input);
    if (Object.keys(errors).length > 0) throw new SignUpRejected(errors);
    const email = input.email.trim().toLowerCase();
    const passwordHash = await hashPassword(input.password);
    return this.insert(input, email, passwordHash).catch((err: unknown) => {
      // Two sign-ups racing for one e-mail or organisation name: the loser hears why.
      const constraint = (err as { constraint?: string }).constraint ?? "";
      if ((err as { code?: string }).code !== "23505") throw err;
      throw new SignUpRejected(
        constraint.includes("organisation")
          ? { organisation: "An organisation of this name is registered already." }
          : { email: "An account with this e-mail address exists already: log in instead." },
      );
    });
  }

  private insert(input: SignUpInput, email: string, passwordHash: string): Promise<IamAccount> {
    return this.db.transaction().execute(async (tx) => {
      const taken = await tx
        .selectFrom("iam.account")
        .select("id")
        .where("email", "=", email)
        .executeTakeFirst();
      if (taken !== undefined) {
        throw new SignUpRejected({
          email: "An account with this e-mail address exists already: log in instead.",
        });
      }
      let organisation: IamAccount["organisation"];
      if (input.role === "eligible_party") {
        const orgName = input.organisation.trim();
        const clash = await tx
          .selectFrom("iam.organisation")
          .select("id")
          .where((eb) => eb(eb.fn("lower", ["name"]), "=", orgName.toLowerCase()))
          .executeTakeFirst();
        if (clash !== undefined) {
          throw new SignUpRejected({
            organisation: "An organisation of this name is registered already.",
          });
        }
        organisation = { id: input.organisationId ?? `org_${randomUUID()}`, name: orgName };
        await tx.insertInto("iam.organisation").values(organisation).execute();
      }
      const account: IamAccount = {
        id: randomUUID(),
        email,
        role: input.role as IamRole,
        displayName: input.displayName.trim(),
        organisation,
      };
      await tx
        .insertInto("iam.account")
        .values({
          id: account.id,
          email,
          password_hash: passwordHash,
          role: account.role,
          display_name: account.displayName,
          organisation_id: organisation?.id ?? null,
        })
        .execute();
      return account;
    });
  }

  /** The account for these credentials, or undefined; takes as long either way. */
  async logIn(email: string, password: string): Promise<IamAccount | undefined> {
    const row = await this.query()
      .where("a.email", "=", email.trim().toLowerCase())
      .executeTakeFirst();
    const ok = await verifyPassword(password, row?.password_hash ?? decoyHash);
    return ok && row !== undefined ? toAccount(row) : undefined;
  }

  /** The account with this id, or undefined. */
  async find(id: string): Promise<IamAccount | undefined> {
    const row = await this.query().where("a.id", "=", id).executeTakeFirst();
    return row === undefined ? undefined : toAccount(row);
  }

  /** The account with this e-mail, or undefined. */
  async findByEmail(email: string): Promise<IamAccount | undefined> {
    const row = await this.query()
      .where("a.email", "=", email.trim().toLowerCase())
      .executeTakeFirst();
    return row === undefined ? undefined : toAccount(row);
  }

  /** How many accounts there are (tests check that bad sign-ups store nothing). */
  async count(): Promise<number> {
    const r = await this.db
      .selectFrom("iam.account")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  private query() {
    return this.db
      .selectFrom("iam.account as a")
      .leftJoin("iam.organisation as o", "o.id", "a.organisation_id")
      .select([
        "a.id",
        "a.email",
        "a.password_hash",
        "a.role",
        "a.display_name",
        "a.organisation_id",
        "o.name as organisation_name",
      ]);
  }
}

function toAccount(row: {
  id: string;
  email: string;
  role: IamRole;
  display_name: string;
  organisation_id: string | null;
  organisation_name: string | null;
}): IamAccount {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    displayName: row.display_name,
    organisation:
      row.organisation_id === null
        ? undefined
        : { id: row.organisation_id, name: row.organisation_name ?? "" },
  };
}
