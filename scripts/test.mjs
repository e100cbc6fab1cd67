// The whole test suite: `npm test`. Installs what it needs, finds or starts
// PostgreSQL (falling back to the embedded database), runs every test once and
// ends with the line "N passed, N failed".
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { ensureChromium, ensurePackages, ensurePostgres } from "./ensure.mjs";

const root = new URL("..", import.meta.url).pathname;
ensurePackages();
const env = { ...process.env };
const pgUrl = await ensurePostgres();
if (pgUrl) {
  env.TEST_DATABASE_URL = pgUrl;
  console.log(`storage tests run on PostgreSQL (${new URL(pgUrl).host}) and the embedded database`);
} else {
  delete env.TEST_DATABASE_URL;
  console.log("PostgreSQL not available: storage tests run on the embedded database only");
}
const chromium = ensureChromium();
if (chromium) env.CHROMIUM_PATH = chromium;
else console.log("Chromium not available: browser tests are skipped");

mkdirSync(`${root}tests/output`, { recursive: true });
const report = `${root}tests/output/vitest-report.json`;
const run = spawnSync(
  "npx",
  [
    "vitest",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: "inherit", env },
);

let summary;
try {
  const r = JSON.parse(readFileSync(report, "utf8"));
  summary = `${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`;
} catch {
  summary = "0 passed, 1 failed";
}
console.log(summary);
process.exit(run.status ?? 1);
