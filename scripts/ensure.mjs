// Brings up what the commands need on a fresh machine: npm packages,
// PostgreSQL (where installed), Debian's Chromium (for browser tests).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { connect } from "node:net";

const root = new URL("..", import.meta.url).pathname;

/** Runs `npm ci` when node_modules is missing or older than the lock file. */
export function ensurePackages() {
  const marker = `${root}node_modules/.package-lock.json`;
  const lock = `${root}package-lock.json`;
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log("installing npm packages (npm ci)…");
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
}

function portOpen(host, port) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Finds a PostgreSQL for tests: TEST_DATABASE_URL if set; else the local
 * server on 127.0.0.1:5432, started first when it is installed but down.
 * Returns the URL, or undefined when there is none (tests then use the
 * embedded database). NO_POSTGRES=1 pretends there is none.
 */
export async function ensurePostgres() {
  if (process.env.NO_POSTGRES === "1") return undefined;
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  const url = "postgres://postgres@127.0.0.1:5432/test";
  if (await portOpen("127.0.0.1", 5432)) return url;
  if (existsSync("/etc/postgresql")) {
    for (const version of readdirSync("/etc/postgresql")) {
      console.log(`starting PostgreSQL ${version}…`);
      spawnSync("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "start"], {
        stdio: "inherit",
      });
    }
    for (let i = 0; i < 20; i++) {
      if (await portOpen("127.0.0.1", 5432)) return url;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return undefined;
}

/** Installs Debian's Chromium when missing and we may (root with apt-get). */
export function ensureChromium() {
  if (existsSync("/usr/bin/chromium")) return "/usr/bin/chromium";
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync("/usr/bin/apt-get")) return undefined;
  console.log("installing Debian's chromium for the browser tests…");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  spawnSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env });
  return existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined;
}
