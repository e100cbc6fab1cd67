import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** A real Chromium with its own fresh profile. */
export interface TestBrowser {
  readonly context: BrowserContext;
  /** Closes the browser and deletes its profile. */
  close(): Promise<void>;
}

/** Where browser tests keep their screenshots (a CI artifact). */
export const outputDir = new URL("../../output/", import.meta.url).pathname;

/**
 * Launches Debian's Chromium (CHROMIUM_PATH to use another) headless with a
 * fresh user-data-dir, at a desktop size unless told otherwise.
 */
export async function launchBrowser(
  viewport: { width: number; height: number } = { width: 1280, height: 900 },
): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), "ep-web-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    viewport,
    // Only for diagnosing a page whose Content-Security-Policy blocks a flow;
    // never set in CI, where the pages must work as a person's browser sees them.
    bypassCSP: process.env.WEB_TEST_BYPASS_CSP === "1",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
