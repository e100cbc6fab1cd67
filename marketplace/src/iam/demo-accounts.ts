import type { Logger } from "@eddie-marketplace/sdk/log";
import { demoOrganisation } from "../demo/demo-organisation.js";
import type { IamAccounts, SignUpInput } from "./iam-accounts.js";

/** The demo accounts `npm start` creates; the README lists them. */
export const demoAccounts: readonly SignUpInput[] = [
  {
    email: "customer@demo.eddie.test",
    password: "Sunny-Meter-42",
    displayName: "Dana Demo",
    role: "customer",
    organisation: "",
  },
  {
    email: "ep@demo.eddie.test",
    password: "Grid-Insight-77",
    displayName: "Erik Energy",
    role: "eligible_party",
    organisation: demoOrganisation.name,
    organisationId: demoOrganisation.id,
  },
];

/** Creates the demo accounts that don't exist yet; safe to run on every start. */
export async function ensureDemoAccounts(accounts: IamAccounts, log: Logger): Promise<void> {
  for (const demo of demoAccounts) {
    if ((await accounts.findByEmail(demo.email)) !== undefined) continue;
    const account = await accounts.signUp(demo);
    log.info("demo account created", { email: demo.email, role: account.role });
  }
  log.info("demo accounts ready (passwords in the README)", {
    emails: demoAccounts.map((d) => d.email),
  });
}
