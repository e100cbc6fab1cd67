// Preloaded (with --expose-gc) into the search benchmark's server processes.
// On SIGUSR2 the process collects all its garbage (a plain gc() is a full
// collection; with an options object Node 20's V8 left most garbage in
// place), then writes how much of its resident memory is V8's young
// generation to <tmpdir>/search-bench-heap-<pid>.json, for the bench to leave
// out: V8 grows and shrinks that buffer between 1 and 34 MB by its own
// heuristics, whatever the process holds.
const { writeFileSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { getHeapSpaceStatistics } = require("node:v8");

process.on("SIGUSR2", () => {
  globalThis.gc?.();
  const spaces = getHeapSpaceStatistics();
  const young = spaces
    .filter((s) => s.space_name === "new_space" || s.space_name === "new_large_object_space")
    .reduce((sum, s) => sum + s.physical_space_size, 0);
  const kb = (f) => Math.round(spaces.reduce((sum, s) => sum + f(s), 0) / 1024);
  writeFileSync(
    `${tmpdir()}/search-bench-heap-${process.pid}.json`,
    JSON.stringify({
      youngKb: Math.round(young / 1024),
      heapPhysicalKb: kb((s) => s.physical_space_size),
      heapUsedKb: kb((s) => s.space_used_size),
    }),
  );
});
