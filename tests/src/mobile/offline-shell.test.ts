import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chromiumAvailable,
  controllerScript,
  launchPhone,
  type MobilePreview,
  type Phone,
  startMobilePreview,
  untilControlled,
} from "./mobile-app.js";

// The installed app must open without a network once it has been visited:
// the service worker precaches the shell.
describe.skipIf(!chromiumAvailable())("Customer Mobile App offline", () => {
  let preview: MobilePreview;
  let phone: Phone;
  beforeAll(async () => {
    preview = await startMobilePreview();
    // Nothing needs to be reachable for the shell; the URLs are never called here.
    await preview.build({
      marketplaceUrl: "http://127.0.0.1:9",
      issuer: "http://127.0.0.1:9",
    });
    phone = await launchPhone();
  });
  afterAll(async () => {
    await phone?.close();
    await preview?.stop();
  });

  it("loads its shell offline after the first visit", async () => {
    const { page, context } = phone;
    await page.goto(preview.origin);
    await expect
      .poll(() => page.getByRole("heading", { name: "Your meter data, your decision" }).count())
      .toBe(1);
    // The first visit installs the service worker, which precaches the shell
    // before it activates and takes control of the page.
    await page.evaluate(untilControlled);

    await context.setOffline(true);
    await page.reload();
    await page.getByRole("heading", { name: "Your meter data, your decision" }).waitFor();
    expect(await page.getByText("Connect to the internet to sign up or log in").count()).toBe(1);

    // A deep link opens the same shell from the cache.
    await page.goto(`${preview.origin}/browse?tab=offers`);
    await page.getByRole("heading", { name: "Your meter data, your decision" }).waitFor();
    expect(await page.evaluate<string>(controllerScript)).toMatch(/\/sw\.js$/);
    await phone.screenshot("offline-shell");
  });
});
