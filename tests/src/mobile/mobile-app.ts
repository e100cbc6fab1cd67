import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { type RunningProgram, startProgram } from "../harness/program.js";

/**
 * The Customer Mobile App as browser tests use it: a production build (so the
 * service worker is real) served by `vite preview` on a free port, and a
 * phone-sized Chromium with a fresh profile.
 */

const repo = new URL("../../../", import.meta.url).pathname;
const vite = `${repo}node_modules/vite/bin/vite.js`;

/** Where screenshots go (kept as CI artifacts). */
export const outputDir = `${repo}tests/output`;

/** The app's preview server; `build` fills it with a build for the given system. */
export interface MobilePreview {
  /**
   * "http://127.0.0.1:<port>", the host the test IAM and Marketplace use too:
   * register `${origin}/callback` at the IAM, allow it in CORS. */
  readonly origin: string;
  /** Builds the app for this Marketplace and IAM into the served folder. */
  build(settings: { marketplaceUrl: string; issuer: string }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `vite preview` on a free port over an empty folder first, so the
 * origin is known before the IAM and the Marketplace start; the build comes
 * after, once their URLs are known (preview reads files on each request).
 */
export async function startMobilePreview(): Promise<MobilePreview> {
  const outDir = mkdtempSync(join(tmpdir(), "mobile-dist-"));
  const program: RunningProgram<number> = await startProgram({
    name: "mobile-preview",
    cwd: "mobile",
    args: [vite, "preview", "--outDir", outDir, "--port", "0", "--host", "127.0.0.1"],
    ready: (line) => {
      const m = /Local:\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(stripAnsi(line));
      return m ? Number(m[1]) : undefined;
    },
  });
  return {
    origin: `http://127.0.0.1:${program.ready}`,
    async build(settings) {
      const child = spawn(
        process.execPath,
        [vite, "build", "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"],
        {
          cwd: `${repo}mobile`,
          env: {
            ...process.env,
            VITE_MARKETPLACE_URL: settings.marketplaceUrl,
            VITE_OIDC_ISSUER: settings.issuer,
            NODE_ENV: "production",
          },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      const output: string[] = [];
      child.stdout.on("data", (d: Buffer) => output.push(d.toString()));
      child.stderr.on("data", (d: Buffer) => output.push(d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      if (code !== 0) throw new Error(`the app's build failed (${code}):\n${output.join("")}`);
    },
    async stop() {
      await program.stop();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC.
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}

/** A phone: Chromium at 390x844 with touch, a fresh profile, and one page. */
export interface Phone {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Saves a screenshot of the page as tests/output/mobile-<name>.png. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Launches Debian's Chromium as a 390x844 phone with a fresh user-data-dir. */
export async function launchPhone(): Promise<Phone> {
  const profile = mkdtempSync(join(tmpdir(), "mobile-chromium-"));
  mkdirSync(outputDir, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: "en-GB",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async screenshot(name) {
      const path = `${outputDir}/mobile-${name}.png`;
      await page.screenshot({ path });
      return path;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Whether the browser tests can run here (Chromium installed). */
export function chromiumAvailable(): boolean {
  return existsSync(process.env.CHROMIUM_PATH ?? "/usr/bin/chromium");
}

/** A page script that resolves once a service worker controls the page. */
export const untilControlled = `(async () => {
  await navigator.serviceWorker.ready;
  if (navigator.serviceWorker.controller) return;
  await new Promise((resolve) =>
    navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
})()`;

/** A page script answering the script URL of the service worker in control ("" if none). */
export const controllerScript = `navigator.serviceWorker.controller?.scriptURL ?? ""`;
