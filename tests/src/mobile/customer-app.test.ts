import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import {
  Asset,
  createMarketplaceClient,
  type DataRequest,
  type MarketplaceClient,
  ObisCode,
  publishDataRequest,
  requestAccess,
  Schema,
  ServiceCategory,
  search,
  staticToken,
} from "@eddie-marketplace/sdk";
import { type IngestReceiver, startIngestReceiver } from "@eddie-marketplace/sdk/receiver";
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
import {
  chromiumAvailable,
  launchPhone,
  type MobilePreview,
  type Phone,
  startMobilePreview,
  untilControlled,
} from "./mobile-app.js";

// The Customer Mobile App in a phone-sized Chromium against the real system:
// the IAM, the Marketplace and an AIIDA node as their own processes, and an
// eligible party acting through the SDK. The steps build on each other, as a
// household's first day with the app would.

describe.skipIf(!chromiumAvailable())("the Customer Mobile App on a phone", () => {
  const suffix = randomBytes(3).toString("hex");
  const customer = {
    email: `anna-${suffix}@household.example`,
    password: `Pw-${randomBytes(9).toString("base64url")}`,
  };
  let preview: MobilePreview;
  let iam: TestIam;
  let mp: RunningProgram<{ httpPort: number; grpcPort: number }>;
  let node: RunningProgram<{ instanceId: string }>;
  let phone: Phone;
  let page: Page;
  /**
   * What the page did during the current test: the app's console warnings and
   * errors, page loads, and the live feed's requests.
   */
  const pageEvents: string[] = [];
  let ep: MarketplaceClient;
  let receiver: IngestReceiver;
  let heatPump: DataRequest;
  let gridStudy: DataRequest;

  let database: Awaited<ReturnType<typeof freshDatabaseUrl>> | undefined;

  beforeAll(async () => {
    // A database of this file's own, dropped after, so no run sees another's data.
    database = await freshDatabaseUrl();
    preview = await startMobilePreview();
    iam = await startIam({
      DATABASE_URL: database.url,
      IAM_MOBILE_REDIRECT_URIS: `${preview.origin}/callback`,
    });
    mp = await startMarketplaceFor(iam, {
      CORS_ORIGINS: preview.origin,
      DATABASE_URL: database.url,
    });
    const marketplaceUrl = `http://127.0.0.1:${mp.ready.httpPort}`;
    node = await startProgram({
      name: "aiida-node",
      cwd: "aiida-node",
      args: [
        "src/main.ts",
        "--marketplace",
        `127.0.0.1:${mp.ready.grpcPort}`,
        "--state-dir",
        `${tmpdir()}/aiida-mobile-${process.pid}-${suffix}`,
        "--status-port",
        "0",
        "--profile",
        "at-household",
        "--seed",
        "7",
      ],
      env: { MARKETPLACE_JWKS_URL: `${marketplaceUrl}/.well-known/jwks.json` },
      ready: (line) => {
        const j = jsonLine(line);
        return j?.msg === "ready" && typeof j.instance_id === "string"
          ? { instanceId: j.instance_id }
          : undefined;
      },
    });
    await preview.build({ marketplaceUrl, issuer: iam.issuer });

    const company = await signUp(iam, {
      role: "eligible_party",
      organisation: `Wattwise Energy ${suffix}`,
    });
    ep = createMarketplaceClient({
      baseUrl: marketplaceUrl,
      tokenProvider: staticToken(company.accessToken),
    });
    receiver = await startIngestReceiver({
      organisationId: company.organisationId ?? "",
      marketplace: marketplaceUrl,
    });
    phone = await launchPhone();
    page = phone.page;
    page.on("console", (m) => {
      if (m.type() === "warning" || m.type() === "error") pageEvents.push(m.text());
    });
    page.on("load", () => pageEvents.push(`(loaded ${page.url()})`));
    // The live feed's own request: when it was made and how it ended.
    const isFeed = (url: string) => url.endsWith("/NotificationService/Subscribe");
    page.on("request", (r) => {
      if (isFeed(r.url())) pageEvents.push("(feed requested)");
    });
    page.on("requestfinished", (r) => {
      if (isFeed(r.url())) pageEvents.push("(feed ended)");
    });
    page.on("requestfailed", (r) => {
      if (isFeed(r.url())) pageEvents.push(`(feed failed: ${r.failure()?.errorText})`);
    });
  });

  afterAll(async () => {
    await phone?.close();
    await preview?.stop();
    await receiver?.close();
    await node?.stop();
    await mp?.stop();
    await iam?.stop();
    await database?.drop();
  });

  /** The titles of the system notifications the app's service worker shows. */
  const shownNotificationTitles = `navigator.serviceWorker.getRegistration()
    .then((r) => (r ? r.getNotifications() : []))
    .then((shown) => shown.map((n) => n.title))`;

  // A failed step keeps what the phone showed, what the page did, and the system's logs, to see why.
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === "fail" && page) {
      await phone.screenshot(`failed-${ctx.task.name.split(" ").slice(0, 3).join("-")}`);
      if (pageEvents.length > 0) console.log(`the page's events:\n${pageEvents.join("\n")}`);
      const state = await page.evaluate(
        `[document.visibilityState, Notification.permission, !!navigator.serviceWorker.controller].join(" ")`,
      );
      console.log(`the page: ${page.url()} (${state})\n${await page.locator("body").innerText()}`);
      console.log(`the Marketplace's last lines:\n${mp.output.slice(-40).join("\n")}`);
      console.log(`the node's last lines:\n${node.output.slice(-20).join("\n")}`);
    }
    pageEvents.length = 0;
  });

  /** The pairing code the node shows right now (its latest "pairing code" line). */
  async function currentPairingCode(): Promise<string> {
    let code = "";
    await expect
      .poll(() => {
        const lines = node.output.map(jsonLine).filter((j) => j?.msg === "pairing code");
        code = String(lines.at(-1)?.pairing_code ?? "");
        return code;
      })
      .not.toBe("");
    return code;
  }

  it("signs up a customer at the IAM and lands on an empty home", async () => {
    await page.goto(preview.origin);
    await page.getByRole("button", { name: "Create an account" }).click();
    await page.waitForURL((u) => u.origin === iam.issuer);
    await page.getByLabel("a customer (household)").check();
    await page.getByLabel("Your name").fill("Anna Huber");
    await page.getByLabel("E-mail").fill(customer.email);
    await page.getByLabel("Password (at least 10 characters)").fill(customer.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(`${preview.origin}/`);
    await page.getByRole("heading", { name: "My home" }).waitFor();
    await page.getByRole("heading", { name: "No instance yet" }).waitFor();
    await phone.screenshot("signed-up");
  });

  it("claims the running node with its pairing code after a wrong code is refused", async () => {
    await page.getByRole("link", { name: "Add my AIIDA instance" }).click();
    await page.getByLabel("Instance ID").fill(node.ready.instanceId);
    const code = await currentPairingCode();
    await page.getByLabel("Pairing code").fill(code === "000000" ? "111111" : "000000");
    await page.getByRole("button", { name: "Add instance" }).click();
    await expect.poll(() => page.getByRole("alert").innerText()).toContain("don't match");
    expect(page.url()).toBe(`${preview.origin}/instances/add`);
    await phone.screenshot("claim-wrong-code");

    await page.getByLabel("Pairing code").fill(await currentPairingCode());
    await page.getByRole("button", { name: "Add instance" }).click();
    const card = page.getByRole("article", { name: `Instance ${node.ready.instanceId}` });
    await card.waitFor();
    await expect.poll(() => card.innerText()).toContain("Online");
    expect(await card.innerText()).toContain("Energy import (kWh)");
    await phone.screenshot("claimed");
  });

  it("browses data requests with a country filter and reads one in plain words", async () => {
    heatPump = await publishDataRequest(ep, {
      dataNeed: {
        name: `Heat pump tariff check ${suffix}`,
        description: "We compare your consumption with our heat pump tariff.",
        purpose: "Offer a cheaper tariff for heat pump households",
        policyLink: "https://wattwise.example/privacy",
        duration: { kind: { case: "relative", value: { start: "-P7D", end: "P30D" } } },
        transmissionSchedule: "0 */15 * * * *",
        schemas: [Schema.SMART_METER_P1_RAW],
        asset: Asset.CONNECTION_AGREEMENT_POINT,
        dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY],
      },
      countries: ["AT"],
      deliveryEndpoint: `http://127.0.0.1:${receiver.port}`,
    });
    gridStudy = await publishDataRequest(ep, {
      dataNeed: {
        name: `Grid quality study ${suffix}`,
        description: "Voltage along the feeder.",
        purpose: "Research on grid voltage",
        policyLink: "https://wattwise.example/privacy",
        duration: { kind: { case: "relative", value: { start: "P0D", end: "P10D" } } },
        transmissionSchedule: "0 0 * * * *",
        schemas: [Schema.SMART_METER_P1_RAW],
        asset: Asset.CONNECTION_AGREEMENT_POINT,
        dataTags: [ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L1],
      },
      countries: ["FR"],
      deliveryEndpoint: `http://127.0.0.1:${receiver.port}`,
    });

    await page.getByRole("link", { name: "Browse" }).click();
    await page.getByRole("heading", { name: "Browse" }).waitFor();
    await page.getByLabel("Search").fill(suffix);
    await page.waitForURL((u) => u.searchParams.get("q") === suffix);
    const list = page.getByRole("list", { name: "Data requests" });
    await expect.poll(() => list.innerText()).toContain(gridStudy.dataNeed?.name);
    expect(await list.innerText()).toContain(heatPump.dataNeed?.name);

    await page.getByRole("button", { name: "Filters" }).click();
    await page.getByLabel("Country").selectOption("AT");
    await expect.poll(() => list.innerText()).not.toContain(gridStudy.dataNeed?.name);
    expect(await list.innerText()).toContain(heatPump.dataNeed?.name);
    await page.getByRole("button", { name: "Done" }).click();

    await list.getByRole("link", { name: new RegExp(`Heat pump tariff check ${suffix}`) }).click();
    const details = page.locator("dl.explainer");
    await details.waitFor();
    const text = await details.innerText();
    expect(text).toContain(`Wattwise Energy ${suffix}`);
    expect(text).toContain("Energy import (kWh)");
    expect(text).toContain("Every 15 minutes");
    expect(text).toContain("From 7 days before you approve until 30 days after you approve");
    expect(text).toContain("Offer a cheaper tariff for heat pump households");
    await phone.screenshot("browse-detail");
  });

  it("loads further pages of data requests as the list scrolls", async () => {
    const word = `scrolltest${suffix}`;
    for (let i = 1; i <= 23; i++) {
      await publishDataRequest(ep, {
        dataNeed: {
          name: `Load profile ${i} ${word}`,
          description: "Hourly load profiles for network planning.",
          purpose: `Network planning ${word}`,
          policyLink: "https://wattwise.example/privacy",
          duration: { kind: { case: "relative", value: { start: "P0D", end: "P30D" } } },
          transmissionSchedule: "0 0 * * * *",
          schemas: [Schema.SMART_METER_P1_RAW],
          asset: Asset.CONNECTION_AGREEMENT_POINT,
          dataTags: [ObisCode.POSITIVE_ACTIVE_INSTANTANEOUS_POWER],
        },
        countries: ["AT"],
        deliveryEndpoint: `http://127.0.0.1:${receiver.port}`,
      });
    }
    await page.goto(`${preview.origin}/browse?q=${word}`);
    const items = page.getByRole("list", { name: "Data requests" }).getByRole("listitem");
    await expect.poll(() => items.count()).toBe(20);
    await items.last().scrollIntoViewIfNeeded();
    await page.mouse.wheel(0, 4000);
    await expect.poll(() => items.count()).toBe(23);
    await page.getByText("That's everything.").waitFor();
    const names = await items.allInnerTexts();
    expect(new Set(names).size).toBe(23);
    await phone.screenshot("browse-scrolled");
  });

  it("receives an access request live, approves it and sees the permission become active", async () => {
    // The inbox is still empty. The app starts again, and its feed connects
    // only after the request was written: what comes between the inbox list
    // and the feed must still arrive through the feed.
    const subscribe = "**/eddie.notification.v1.NotificationService/Subscribe";
    let feedAsked!: () => void;
    const feedAskedFor = new Promise<void>((r) => {
      feedAsked = r;
    });
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    let continued: Promise<void> | undefined;
    await phone.context.route(subscribe, (route) => {
      feedAsked();
      continued ??= released.then(() => route.continue());
      return continued;
    });
    await page.goto(`${preview.origin}/permissions`);
    await page.getByRole("heading", { name: "My permissions" }).waitFor();
    await feedAskedFor;

    const run = await search(ep, heatPump.id, { timeoutMs: 5_000 }).summary;
    expect(run.counts?.matched).toBe(1);
    const asked = await requestAccess(ep, run.id);
    expect(asked.requestsSent).toBe(1);
    release();
    await continued;
    await phone.context.unroute(subscribe);

    // No reload: the subscription brings the toast, the badge and the list entry.
    await page
      .getByRole("status")
      .getByRole("link", { name: /asks for your meter data/ })
      .waitFor({ timeout: 15_000 });
    await expect
      .poll(() => page.getByTestId("unread-badge").innerText(), { timeout: 15_000 })
      .toBe("1");
    await page.getByRole("link", { name: /Inbox, 1 unread/ }).click();
    await page.getByRole("list", { name: "Notifications" }).waitFor();
    await phone.screenshot("inbox-live");
    await page.getByRole("list", { name: "Notifications" }).getByRole("link").first().click();
    await page.getByRole("button", { name: "Approve" }).waitFor();
    await phone.screenshot("access-request");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByRole("dialog", { name: "Share your data?" }).waitFor();
    await phone.screenshot("approve-confirmation");
    await page.getByRole("button", { name: "Yes, share" }).click();
    await expect
      .poll(() => page.locator(".badge").first().innerText(), { timeout: 30_000 })
      .toBe("Active");
    await phone.screenshot("approved-active");
  });

  it("revokes the permission with one tap and a confirmation", async () => {
    await page.getByRole("link", { name: "Permissions" }).click();
    const card = page.getByRole("article", {
      name: new RegExp(`Heat pump tariff check ${suffix}`),
    });
    await card.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("button", { name: "Yes, stop sharing" }).click();
    await expect
      .poll(() => card.locator(".badge").innerText(), { timeout: 15_000 })
      .toBe("Revoked");
    await phone.screenshot("revoked");
  });

  it("alerts with a system notification in the background, then rejects from the detail view", async () => {
    await phone.context.grantPermissions(["notifications"], { origin: preview.origin });
    // The app opens afresh, as a phone starts it, rather than keep the feed the
    // previous steps held back through the browser's request interception. Once
    // the inbox has loaded, the feed resumes after its newest entry, so what
    // comes next arrives through the feed.
    await page.goto(`${preview.origin}/inbox`);
    await page.evaluate(untilControlled);
    await page.getByText("Live: new requests appear here at once").waitFor();
    // The app goes to the background. Headless Chromium keeps every page
    // visible (minimising does nothing), so the page's visibility is emulated.
    await page.evaluate(
      `Object.defineProperty(document, "visibilityState", { get: () => "hidden", configurable: true })`,
    );

    const exportCheck = await publishDataRequest(ep, {
      dataNeed: {
        name: `Solar export check ${suffix}`,
        description: "How much you feed in.",
        purpose: "Offer a feed-in tariff",
        policyLink: "https://wattwise.example/privacy",
        duration: { kind: { case: "relative", value: { start: "P0D", end: "P30D" } } },
        transmissionSchedule: "0 0 * * * *",
        schemas: [Schema.SMART_METER_P1_RAW],
        asset: Asset.CONNECTION_AGREEMENT_POINT,
        dataTags: [ObisCode.NEGATIVE_ACTIVE_ENERGY],
      },
      countries: ["AT"],
      deliveryEndpoint: `http://127.0.0.1:${receiver.port}`,
    });
    const run = await search(ep, exportCheck.id, { timeoutMs: 5_000 }).summary;
    expect(run.counts?.matched).toBe(1);
    const asked = await requestAccess(ep, run.id);
    expect(asked.requestsSent).toBe(1);

    // Shown by the service worker, as on a phone with the app in the background.
    await expect
      .poll(() => page.evaluate<string[]>(shownNotificationTitles), { timeout: 15_000 })
      .toContain(`Wattwise Energy ${suffix} asks for your meter data`);
    await page.evaluate("delete document.visibilityState");
    expect(await page.evaluate<string>("document.visibilityState")).toBe("visible");

    await page.getByRole("link", { name: /^Inbox/ }).click();
    await page
      .getByRole("list", { name: "Notifications" })
      .getByRole("link", { name: /Solar export check/ })
      .click();
    await page.getByRole("heading", { name: `Solar export check ${suffix}` }).waitFor();
    await page.getByRole("button", { name: "Reject" }).click();
    await page.getByRole("dialog", { name: "Say no?" }).waitFor();
    await page.getByRole("button", { name: "Yes, reject" }).click();
    await expect.poll(() => page.locator(".badge").first().innerText()).toBe("Rejected");
    expect(await page.getByRole("button", { name: "Approve" }).count()).toBe(0);
    await phone.screenshot("rejected");
  });

  it("opens signed in without a network and loads again when it is back", async () => {
    await page.evaluate(untilControlled);
    await phone.context.setOffline(true);
    try {
      await page.goto(`${preview.origin}/`);
      await page.getByRole("heading", { name: "My home" }).waitFor();
      await page
        .getByText("You're offline. Your instances, requests and permissions load again")
        .waitFor();
      await page.getByRole("heading", { name: "You're offline" }).waitFor();
      expect(await page.getByRole("button", { name: "Try again" }).count()).toBe(1);
      await phone.screenshot("offline-signed-in");
    } finally {
      await phone.context.setOffline(false);
    }
    // No tap needed: the screen reloads when the network returns.
    await page.getByRole("article", { name: `Instance ${node.ready.instanceId}` }).waitFor();
    expect(await page.getByRole("heading", { name: "You're offline" }).count()).toBe(0);
    await phone.screenshot("back-online");
  });

  it("browses service offers by category and opens one", async () => {
    const created = await ep.catalog.createServiceOffer({
      input: {
        name: `Solar coach ${suffix}`,
        description: "Tips to use more of your own solar power.\nMonthly report by e-mail.",
        category: ServiceCategory.SELF_CONSUMPTION,
        countries: ["AT", "DE"],
        link: "https://wattwise.example/solar-coach",
        dataTags: [ObisCode.NEGATIVE_ACTIVE_ENERGY, ObisCode.POSITIVE_ACTIVE_ENERGY],
      },
    });
    await ep.catalog.publishServiceOffer({ id: created.serviceOffer?.id ?? "" });

    await page.getByRole("link", { name: "Browse" }).click();
    await page.getByRole("button", { name: "Services" }).click();
    await page.getByLabel("Search").fill(suffix);
    await page.waitForURL((u) => u.searchParams.get("q") === suffix);
    await page.getByRole("button", { name: "Filters" }).click();
    await page.getByLabel("Category").selectOption({ label: "Heat pumps and charging" });
    await page.getByRole("heading", { name: "No services found" }).waitFor();
    await page.getByLabel("Category").selectOption({ label: "Solar and batteries" });
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("link", { name: new RegExp(`Solar coach ${suffix}`) }).click();
    await page.getByRole("heading", { name: `Solar coach ${suffix}` }).waitFor();
    const details = await page.locator("dl.explainer").innerText();
    expect(details).toContain("Energy export (kWh)");
    expect(details).toContain("Austria, Germany");
    expect(
      await page.getByRole("link", { name: /Learn more at Wattwise Energy/ }).getAttribute("href"),
    ).toBe("https://wattwise.example/solar-coach");
    await phone.screenshot("service-offer");
  });

  it("logs out at the IAM and logs in again to the same account", async () => {
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL((u) => u.origin === iam.issuer);
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("heading", { name: "Your meter data, your decision" }).waitFor();

    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL((u) => u.origin === iam.issuer);
    await page.getByLabel("E-mail").fill(customer.email);
    await page.getByLabel("Password").fill(customer.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "My home" }).waitFor();
    await page.getByRole("article", { name: `Instance ${node.ready.instanceId}` }).waitFor();
    await phone.screenshot("logged-in-again");
  });

  it("shows the instance offline once the node stops, and releases it", async () => {
    const card = page.getByRole("article", { name: `Instance ${node.ready.instanceId}` });
    await node.stop();
    await expect
      .poll(
        async () => {
          await page.reload();
          await card.waitFor();
          return card.innerText();
        },
        { timeout: 20_000 },
      )
      .toContain("Offline");
    expect(await card.innerText()).toContain("last seen");
    await phone.screenshot("instance-offline");
    await card.getByRole("button", { name: "Release" }).click();
    await page.getByRole("dialog", { name: "Release this instance?" }).waitFor();
    await page.getByRole("button", { name: "Release", exact: true }).last().click();
    await page.getByRole("heading", { name: "No instance yet" }).waitFor();
    expect(await card.count()).toBe(0);
    await phone.screenshot("released");
  });
});
