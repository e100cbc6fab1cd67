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
describe.skipIf(!chromiumAvailable())("the Customer Mobile App as an installable app", () => {
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

  it("is installable: a manifest with standalone display and icons that load", async () => {
    const res = await fetch(`${preview.origin}/manifest.webmanifest`);
    expect(res.ok).toBe(true);
    const manifest = (await res.json()) as {
      name: string;
      display: string;
      start_url: string;
      icons: { src: string; sizes: string; purpose?: string }[];
    };
    expect(manifest).toMatchObject({ name: "AIIDA Marketplace", display: "standalone" });
    const sizes = manifest.icons.map((i) => `${i.sizes}${i.purpose ? ` ${i.purpose}` : ""}`);
    expect(sizes).toEqual(expect.arrayContaining(["192x192", "512x512", "512x512 maskable"]));
    for (const icon of manifest.icons) {
      const image = await fetch(new URL(icon.src, `${preview.origin}/`));
      expect(image.ok, icon.src).toBe(true);
    }
    const html = await (await fetch(preview.origin)).text();
    expect(html).toContain('rel="manifest"');
  });
});
