import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freshDatabaseUrl,
  logIn,
  openSignUpPage,
  pageMessages,
  signUp,
  startIam,
  type TestIam,
} from "../harness/iam.js";

describe("signing up at the IAM with bad input", () => {
  let iam: TestIam;
  let database: Awaited<ReturnType<typeof freshDatabaseUrl>> | undefined;
  beforeAll(async () => {
    database = await freshDatabaseUrl();
    iam = await startIam({ DATABASE_URL: database.url });
  });
  afterAll(async () => {
    await iam?.stop();
    await database?.drop();
  });

  const person = (over: Record<string, string> = {}) => ({
    role: "customer",
    email: `p-${Math.random().toString(36).slice(2)}@example.test`,
    password: "Correct-Horse-42",
    display_name: "Pat",
    organisation: "",
    ...over,
  });

  /** Submits the sign-up form; returns the page the IAM answered with. */
  async function submit(fields: Record<string, string>) {
    const { browser, page } = await openSignUpPage(iam);
    expect(page.body).toContain("Create your account");
    const answer = await browser.submit(page, "signup", fields);
    if (answer.status !== "page") throw new Error("the sign-up was accepted");
    return answer;
  }

  /** Nothing was stored: the e-mail is free for a correct sign-up afterwards. */
  async function expectNothingStored(email: string, password: string) {
    await expect(logIn(iam, { email, password })).rejects.toThrow(
      /Wrong e-mail address or password/,
    );
    const later = await signUp(iam, { role: "customer", email, password: "Later-Good-Pass-1" });
    expect(later.email).toBe(email);
  }

  it("shows which field is wrong for a weak password, keeps the other entries, stores nothing", async () => {
    const fields = person({ password: "short" });
    const answer = await submit(fields);
    expect(answer.code).toBe(400);
    expect(pageMessages(answer.body)).toEqual([
      "Your account was not created. Please correct the fields below.",
      "Choose a password of at least 10 characters.",
    ]);
    expect(answer.body).toContain(`value="${fields.email}"`);
    expect(answer.body).not.toContain("short");
    await expectNothingStored(fields.email, fields.password);
  });

  it("refuses an easily guessed password", async () => {
    const fields = person({ password: "aaaaaaaaaaaa" });
    const answer = await submit(fields);
    expect(pageMessages(answer.body)).toContain(
      "This password is too easy to guess: mix more different characters.",
    );
    await expectNothingStored(fields.email, fields.password);
  });

  it("refuses an eligible party without an organisation", async () => {
    const fields = person({ role: "eligible_party", organisation: " " });
    const answer = await submit(fields);
    expect(pageMessages(answer.body)).toContain(
      "An eligible party needs its organisation's name (2 to 100 characters).",
    );
    await expectNothingStored(fields.email, fields.password);
  });

  it("refuses a sign-up without a role", async () => {
    const fields = person({ role: "" });
    const answer = await submit(fields);
    expect(pageMessages(answer.body)).toContain(
      "Choose whether you sign up as a customer or as an eligible party.",
    );
    await expectNothingStored(fields.email, fields.password);
  });

  it("refuses a second account for an e-mail address, whatever its case, and keeps the first", async () => {
    const first = await signUp(iam, { role: "customer" });
    const answer = await submit(
      person({ email: ` ${first.email.toUpperCase()} `, password: "Another-Pass-77" }),
    );
    expect(pageMessages(answer.body)).toContain(
      "An account with this e-mail address exists already: log in instead.",
    );
    await expect(logIn(iam, { email: first.email, password: "Another-Pass-77" })).rejects.toThrow(
      /Wrong e-mail address or password/,
    );
    const again = await logIn(iam, { email: first.email, password: first.password });
    expect(again.subject).toBe(first.subject);
  });

  it("refuses a second organisation of the same name and stores neither account nor organisation", async () => {
    await signUp(iam, { role: "eligible_party", organisation: "Unique Power AG" });
    const fields = person({ role: "eligible_party", organisation: "unique power ag" });
    const answer = await submit(fields);
    expect(pageMessages(answer.body)).toContain(
      "An organisation of this name is registered already.",
    );
    await expectNothingStored(fields.email, fields.password);
  });

  it("preselects the role that fits the app", async () => {
    const mobile = await openSignUpPage(iam, "mobile");
    expect(mobile.page.body).toContain('value="customer" checked');
    const web = await openSignUpPage(iam, "web");
    expect(web.page.body).toContain('value="eligible_party" checked');
  });

  it("reports every broken rule at once", async () => {
    const answer = await submit({
      role: "eligible_party",
      email: "not-an-email",
      password: "x",
      display_name: "",
      organisation: "",
    });
    expect(pageMessages(answer.body)).toHaveLength(5);
  });
});
