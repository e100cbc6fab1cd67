// Runs every benchmark in tests/src/bench (each `*.bench.ts` file is a program
// that prints its figures). BENCH_QUICK=1 makes each one small, for CI.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

const dir = new URL(".", import.meta.url).pathname;
const benches = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .sort();
if (benches.length === 0) console.log("no benchmarks");
let failed = 0;
for (const file of benches) {
  console.log(`\n--- ${file}`);
  const run = spawnSync("npx", ["--no-install", "tsx", `${dir}${file}`], { stdio: "inherit" });
  if (run.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
