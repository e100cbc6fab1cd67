import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createMarketplaceClient,
  type MarketplaceClient,
  staticToken,
} from "@eddie-marketplace/sdk";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  freshDatabaseUrl,
  signUp,
  startIam,
  startMarketplaceFor,
  type TestIam,
} from "../harness/iam.js";
import { jsonLine, type RunningProgram, startProgram } from "../harness/program.js";
import { launchBrowser, outputDir, type TestBrowser } from "./browser.js";
import { startWebApp, type TestWebApp } from "./web-app-server.js";

/**
 * Polls until the assertion holds, with room for a busy machine (expect.poll
 * alone gives up after one second).
 */
function eventually<T>(read: () => T | Promise<T>, options: { timeout?: number } = {}) {
  return expect.poll(read, { timeout: options.timeout ?? 15_000, interval: 100 });
}

// The EP Web App in a real Chromium against the real IAM and Marketplace
// processes: what an eligible party sees and does, end to end.

describe("the EP Web App in a browser", () => {
  let web: TestWebApp;
  let iam: TestIam;
  let mp: RunningProgram<{ httpPort: number; grpcPort: number }>;
  let browser: TestBrowser;
  let page: Page;
  let marketplaceUrl: string;
  /** The Marketplace's and the AIIDA instances' data, removed at the end. */
  let scratch: string | undefined;
  let nodes: RunningProgram<string[]> | undefined;
  const browserErrors: string[] = [];
  const organisation = `Acme Energy ${randomBytes(3).toString("hex")}`;

  let database: Awaited<ReturnType<typeof freshDatabaseUrl>> | undefined;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "ep-web-"));
    // A database of this file's own, dropped after, so no run sees another's data.
    database = await freshDatabaseUrl();
    web = await startWebApp();
    iam = await startIam({
      DATABASE_URL: database.url,
      IAM_WEB_REDIRECT_URIS: web.redirectUri,
    });
    mp = await startMarketplaceFor(iam, {
      CORS_ORIGINS: web.origin,
      DATABASE_URL: database.url,
      MARKETPLACE_DATA_DIR: `${scratch}/marketplace`,
    });
    marketplaceUrl = `http://127.0.0.1:${mp.ready.httpPort}`;
    await web.serve({ marketplaceUrl, issuer: iam.issuer });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on("console", (m) => {
      // The dev server runs without its live-reload socket here.
      if (m.type() === "error" && !/websocket/i.test(m.text())) browserErrors.push(m.text());
    });
    page.on("pageerror", (e) => browserErrors.push(String(e)));
  });

  // A failing step leaves its screen and the browser's errors behind, to see why.
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== "fail" || !page) return;
    await page.screenshot({
      path: `${outputDir}web-failed-${ctx.task.name.replace(/\W+/g, "-")}.png`,
      fullPage: true,
    });
    if (browserErrors.length > 0) console.error(`browser errors:\n${browserErrors.join("\n")}`);
    console.error(`page at ${page.url()}`);
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await nodes?.stop();
    await mp?.stop();
    await iam?.stop();
    await database?.drop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** The Marketplace as the signed-in EP, with the token the app holds. */
  async function epClient(): Promise<MarketplaceClient> {
    const token = await page.evaluate(
      () =>
        (JSON.parse(sessionStorage.getItem("eddie.ep.tokens") ?? "{}") as { accessToken?: string })
          .accessToken,
    );
    expect(token).toBeTruthy();
    return createMarketplaceClient({
      baseUrl: marketplaceUrl,
      tokenProvider: staticToken(token ?? ""),
    });
  }

  it("signs up an eligible party at the IAM and shows its organisation in the header", async () => {
    await page.goto(web.origin);
    await page.getByRole("heading", { name: /Smart-meter data/ }).waitFor();
    await page.screenshot({ path: `${outputDir}web-welcome.png` });
    await page.getByRole("button", { name: "Sign up your organisation" }).click();
    await page.waitForURL((u) => u.origin === iam.issuer);
    await page.getByLabel("an eligible party (company)").check();
    await page.getByLabel("Organisation (eligible parties only)").fill(organisation);
    await page.getByLabel("Your name").fill("Erika Muster");
    await page.getByLabel("E-mail").fill(`erika-${randomBytes(4).toString("hex")}@acme.example`);
    await page
      .getByLabel("Password (at least 10 characters)")
      .fill(`Pw-${randomBytes(9).toString("base64url")}`);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(`${web.origin}/requests`);
    await eventually(() => page.getByTestId("org-name").textContent()).toContain(organisation);
    await page.getByRole("heading", { name: "No data requests yet" }).waitFor();
    await page.screenshot({ path: `${outputDir}web-signed-up.png`, fullPage: true });
  });

  it("creates and publishes a data request with the guiding form", async () => {
    await page.getByRole("link", { name: "New data request" }).click();
    await page.getByLabel("Name", { exact: true }).fill("Heat pump optimisation");
    await page
      .getByLabel("Description")
      .fill("We shift your heat pump's running hours to cheaper, greener times.");
    await page.getByLabel("Purpose").fill("Optimising heat pump operation");
    await page.getByLabel("Data policy link").fill("https://acme.example/privacy");
    // The data tag list works from the keyboard: filter, move to the match, tick it.
    await page.getByLabel("Filter data tags").fill("power import");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Space");
    expect(await page.getByRole("checkbox", { name: /1-0:1\.7\.0/ }).isChecked()).toBe(true);
    await page.getByLabel("Filter data tags").fill("");
    await page.getByRole("checkbox", { name: /Austria/ }).check();
    await page.getByRole("button", { name: "Every 15 minutes" }).click();
    await eventually(() => page.getByTestId("cron-reading").textContent()).toMatch(/15 minutes/);
    await page.getByLabel("Delivery endpoint").fill("https://ep.acme.example:443");
    await page.getByRole("button", { name: "Save and publish" }).click();
    await page.waitForURL(/\/requests\/[^/]+$/);
    await page
      .getByRole("heading", { name: /Heat pump optimisation/ })
      .getByText("Published")
      .waitFor();
    await page.getByText("1-0:1.7.0 · Power import (kW)").waitFor();

    const mine = await (await epClient()).catalog.listDataRequests({ filter: { mine: true } });
    expect(mine.dataRequests.map((r) => r.dataNeed?.name)).toEqual(["Heat pump optimisation"]);
    await page.screenshot({ path: `${outputDir}web-request-published.png`, fullPage: true });
  });

  it("shows the server's field errors beside the fields for bad input and creates nothing", async () => {
    const client = await epClient();
    const before = (await client.catalog.listDataRequests({ filter: { mine: true } })).dataRequests
      .length;
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Data requests" })
      .click();
    await page.getByRole("link", { name: "New data request" }).click();
    await page.getByLabel("Data policy link").fill("not a link");
    await page.getByLabel("Transmission schedule (cron)").fill("every minute");
    await page.getByLabel("Delivery endpoint").fill("nowhere");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByRole("alert").filter({ hasText: "Nothing was saved" }).waitFor();

    const errorBeside = (label: string) =>
      page
        .locator(".field, fieldset")
        .filter({ has: page.getByText(label, { exact: true }) })
        .locator("[data-field-error]");
    await errorBeside("Name").first().waitFor();
    await errorBeside("Data policy link").first().waitFor();
    await errorBeside("Countries").first().waitFor();
    expect(await page.locator("[data-field-error]").count()).toBeGreaterThanOrEqual(4);
    await eventually(() =>
      page.getByLabel("Name", { exact: true }).getAttribute("aria-invalid"),
    ).toBe("true");

    const after = (await client.catalog.listDataRequests({ filter: { mine: true } })).dataRequests
      .length;
    expect(after).toBe(before);
    expect(page.url()).toBe(`${web.origin}/requests/new`);
    await page.screenshot({ path: `${outputDir}web-field-errors.png`, fullPage: true });
  });

  it("saves the corrected form as a draft, edits it, and archives it", async () => {
    // Still on the form with the errors of the previous step.
    await page.getByLabel("Name", { exact: true }).fill("Grid frequency study");
    await page
      .getByLabel("Description")
      .fill("Research on how households' consumption follows the grid frequency.");
    await page.getByLabel("Purpose").fill("Research");
    await page.getByLabel("Data policy link").fill("https://acme.example/research-privacy");
    await page.getByLabel("Transmission schedule (cron)").fill("0 0 * * * *");
    await page.getByRole("checkbox", { name: /Netherlands/ }).check();
    await page.getByLabel("Delivery endpoint").fill("https://ep.acme.example:443");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page
      .getByRole("heading", { name: /Grid frequency study/ })
      .getByText("Draft")
      .waitFor();

    await page.getByRole("link", { name: "Edit" }).click();
    await eventually(() => page.getByLabel("Name", { exact: true }).inputValue()).toBe(
      "Grid frequency study",
    );
    await page.getByLabel("Name", { exact: true }).fill("Grid frequency research");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page
      .getByRole("heading", { name: /Grid frequency research/ })
      .getByText("Draft")
      .waitFor();

    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Archive" }).click();
    await page
      .getByRole("heading", { name: /Grid frequency research/ })
      .getByText("Archived")
      .waitFor();
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Data requests" })
      .click();
    await page.getByRole("button", { name: "Archived", exact: true }).click();
    await page.getByRole("link", { name: "Grid frequency research" }).waitFor();
    await eventually(() => page.getByRole("link", { name: "Heat pump optimisation" }).count()).toBe(
      0,
    );
    await page.screenshot({ path: `${outputDir}web-archived-filter.png`, fullPage: true });
    // The filter lives in the address, so a reload shows the same list.
    expect(new URL(page.url()).search).toBe("?status=archived");
    await page.reload();
    await page.getByRole("link", { name: "Grid frequency research" }).waitFor();
    expect(
      await page
        .getByRole("button", { name: "Archived", exact: true })
        .getAttribute("aria-pressed"),
    ).toBe("true");
    await page.getByRole("button", { name: "All", exact: true }).click();
    await page.getByRole("link", { name: "Heat pump optimisation" }).waitFor();
  });

  it("searches with matches streaming in, asks access, and shows a household's approval without reloading", async () => {
    // Three simulated Austrian households, claimed by two customers.
    nodes = await startProgram({
      name: "aiida",
      cwd: "aiida-node",
      args: ["src/main.ts", "--simulate", "3", "--profile", "at-household", "--country", "AT"],
      env: {
        MARKETPLACE_NODE_URL: `127.0.0.1:${mp.ready.grpcPort}`,
        MARKETPLACE_JWKS_URL: `${marketplaceUrl}/.well-known/jwks.json`,
        AIIDA_STATE_DIR: `${scratch}/aiida`,
        AIIDA_STATUS_PORT: "0",
      },
      ready: (line) => {
        const j = jsonLine(line);
        return j?.msg === "ready" ? (j.instance_ids as string[]) : undefined;
      },
    });
    const ids = nodes.ready;
    const pairingCode = (id: string) =>
      nodes?.output
        .map(jsonLine)
        .filter((j) => j?.msg === "pairing code" && j.instance_id === id)
        .map((j) => String(j?.pairing_code))
        .at(-1);
    const customerClient = async () =>
      createMarketplaceClient({
        baseUrl: marketplaceUrl,
        tokenProvider: staticToken((await signUp(iam, { role: "customer" })).accessToken),
      });
    const approving = await customerClient();
    const undecided = await customerClient();
    for (const [i, id] of ids.entries()) {
      await eventually(() => pairingCode(id)).toBeTruthy();
      await (i < 2 ? approving : undecided).instances.claimInstance({
        instanceId: id,
        pairingCode: pairingCode(id) ?? "",
      });
    }

    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Data requests" })
      .click();
    await page.getByRole("link", { name: "Heat pump optimisation" }).click();
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByTestId("search-live").waitFor();
    await eventually(() => page.getByTestId("matches").locator("li").count()).toBe(3);
    // Each match with the instance's ID and how soon it answered.
    for (const text of await page.getByTestId("matches").locator("li").allTextContents()) {
      expect(text).toMatch(/^[0-9a-f-]{36}\d+ ms$/);
    }
    await page.getByTestId("search-summary").waitFor();
    expect(await page.locator('[data-count="matched"] strong').textContent()).toBe("3");
    expect(await page.locator('[data-count="asked"] strong').textContent()).toBe("3");
    await page.getByTestId("search-runs").getByRole("row").nth(1).waitFor();

    await page
      .getByTestId("search-summary")
      .getByRole("button", { name: /Ask access/ })
      .click();
    await page.getByText("2 access requests sent").waitFor();
    const rows = page.getByTestId("permissions").locator("tbody tr");
    await eventually(() => rows.count()).toBe(2);
    await eventually(() => rows.filter({ hasText: "Awaiting decision" }).count()).toBe(2);

    // The household decides in its own app; the EP's page follows by itself.
    const asked = await approving.access.listPermissions({});
    expect(asked.permissions).toHaveLength(1);
    await approving.access.approvePermission({ id: asked.permissions[0]?.id ?? "" });
    await eventually(() => rows.filter({ hasNotText: "Awaiting decision" }).count(), {
      timeout: 20_000,
    }).toBe(1);
    expect(await rows.filter({ hasText: "Awaiting decision" }).count()).toBe(1);
    await page.getByTestId("toast").first().waitFor();
    expect(
      await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded),
    ).toBe(true);
    await page.screenshot({ path: `${outputDir}web-search-and-approval.png`, fullPage: true });

    // The permission's audit trail names the household's approval.
    await rows.filter({ hasNotText: "Awaiting decision" }).getByRole("link").click();
    await page.getByTestId("audit-trail").getByText("Approved").first().waitFor();
    expect(await page.getByTestId("audit-trail").textContent()).toContain("The household");
    await page.screenshot({ path: `${outputDir}web-permission-audit-trail.png`, fullPage: true });

    // The EP ends the permission; the trail names who and why.
    await page.getByRole("button", { name: "Terminate…" }).click();
    await page.getByLabel("Reason").fill("The pilot has ended.");
    await page.getByRole("button", { name: "Terminate permission" }).click();
    await page.getByRole("heading").getByText("Terminated").waitFor();
    await page.getByTestId("audit-trail").getByText("The pilot has ended.").waitFor();
    expect(await page.getByTestId("audit-trail").textContent()).toContain("Your organisation");

    // Every permission of the organisation, filtered by state; visiting marks the news read.
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: /Access/ }).click();
    await page.getByTestId("permissions").locator("tbody tr").nth(1).waitFor();
    await page.getByRole("button", { name: "Awaiting decision", exact: true }).click();
    await eventually(() => page.getByTestId("permissions").locator("tbody tr").count()).toBe(1);
    await eventually(() => nav.getByRole("link", { name: /Access/ }).textContent()).toBe("Access");
    await page.screenshot({ path: `${outputDir}web-access.png`, fullPage: true });

    // The same pages at tablet width.
    await page.setViewportSize({ width: 820, height: 1180 });
    await nav.getByRole("link", { name: "Data requests" }).click();
    await page.getByRole("link", { name: "Heat pump optimisation" }).click();
    await page.getByTestId("search-runs").waitFor();
    await page.screenshot({ path: `${outputDir}web-tablet-request.png`, fullPage: true });
  });

  it("drafts a service offer, then publishes it from its page", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Service offers" })
      .click();
    await page.getByRole("heading", { name: "No service offers yet" }).waitFor();
    await page.getByRole("link", { name: "New service offer" }).click();
    await page.getByLabel("Name", { exact: true }).fill("Smart heat pump tariff");
    await page.getByLabel("Category").selectOption({ label: "Tariff" });
    await page
      .getByLabel("Description")
      .fill("Run your heat pump when power is cheap and save up to 20%.");
    await page.getByLabel("Link").fill("https://acme.example/heat-pump-tariff");
    await page.getByRole("checkbox", { name: /1-0:1\.8\.0/ }).check();
    await page.getByRole("checkbox", { name: /Austria/ }).check();
    await page.getByLabel("Data request used").selectOption({ label: "Heat pump optimisation" });
    await page.getByRole("button", { name: "Save draft" }).click();
    await page
      .getByRole("heading", { name: /Smart heat pump tariff/ })
      .getByText("Draft")
      .waitFor();
    await page.getByRole("button", { name: "Publish" }).click();
    await page
      .getByRole("heading", { name: /Smart heat pump tariff/ })
      .getByText("Published")
      .waitFor();

    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Service offers" })
      .click();
    await page.getByRole("button", { name: "Drafts", exact: true }).click();
    await page.getByRole("heading", { name: "Nothing matches these filters" }).waitFor();
    await page.getByRole("button", { name: "Published", exact: true }).click();
    await page.getByRole("link", { name: "Smart heat pump tariff" }).waitFor();
    await page.screenshot({ path: `${outputDir}web-service-offers.png`, fullPage: true });
  });

  it("creates an API client whose secret is shown once, and revokes it", async () => {
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "API clients" })
      .click();
    await page.getByRole("heading", { name: "No API clients yet" }).waitFor();
    await page.getByLabel("Name").fill("Billing backend");
    await page.getByRole("button", { name: "Create client" }).click();
    const secret = page.getByTestId("new-secret");
    await secret.waitFor();
    expect((await secret.locator(".secret code").textContent())?.length).toBeGreaterThan(16);
    await page.getByRole("cell", { name: "Billing backend", exact: true }).waitFor();
    await page.screenshot({ path: `${outputDir}web-api-client-created.png`, fullPage: true });

    await page.getByRole("button", { name: "I have stored the secret" }).click();
    expect(await secret.count()).toBe(0);
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Revoke Billing backend" }).click();
    await page.getByRole("heading", { name: "No API clients yet" }).waitFor();
    const clients = await (await epClient()).account.listApiClients({});
    expect(clients.clients).toHaveLength(0);
  });

  it("logs out at the IAM and returns to the welcome page", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL((u) => u.origin === iam.issuer);
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(`${web.origin}/`);
    await page.getByRole("button", { name: "Sign up your organisation" }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("eddie.ep.tokens"))).toBeNull();
    await page.screenshot({ path: `${outputDir}web-logged-out.png` });
  });
});
