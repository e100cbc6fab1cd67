// Preloaded (with --expose-gc) into the search benchmark's server processes.
// On SIGUSR2 the process collects all its garbage, waits 11 s, collects again
// and 1 s later writes its resident memory and how much of it is V8's young
// generation to <tmpdir>/search-bench-memory-<pid>.json.
//
// The wait lets V8 give back what it keeps after a busy spell: pages held for
// reuse (a reading right after one collection held up to 45 MB of them, or
// not, by chance) and a young generation grown to 32 MB; the second
// collection then finds the process at rest, and the garbage made while
// waiting (pings) gone. A plain gc() is a full collection; with an options
// object Node 20's V8 left most garbage in place.
const { readFileSync, renameSync, writeFileSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { getHeapSpaceStatistics } = require("node:v8");

const restMs = 11_000;
const settleMs = 1_000;

function report() {
  const spaces = getHeapSpaceStatistics();
  const sumKb = (spaceFilter, field) =>
    Math.round(spaces.filter(spaceFilter).reduce((sum, s) => sum + s[field], 0) / 1024);
  const young = (s) => s.space_name === "new_space" || s.space_name === "new_large_object_space";
  const all = () => true;
  const status = readFileSync("/proc/self/status", "utf8");
  const file = `${tmpdir()}/search-bench-memory-${process.pid}.json`;
  writeFileSync(
    `${file}.part`,
    JSON.stringify({
      rssKb: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0),
      youngKb: sumKb(young, "physical_space_size"),
      heapPhysicalKb: sumKb(all, "physical_space_size"),
      heapUsedKb: sumKb(all, "space_used_size"),
    }),
  );
  renameSync(`${file}.part`, file);
}

process.on("SIGUSR2", () => {
  globalThis.gc?.();
  setTimeout(() => {
    globalThis.gc?.();
    setTimeout(report, settleMs);
  }, restMs);
});
