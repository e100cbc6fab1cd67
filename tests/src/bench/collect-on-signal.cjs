// Preloaded (with --expose-gc) into the search benchmark's server processes:
// SIGUSR2 makes a full collection, so resident memory read afterwards counts
// what the process holds, not garbage a collection has yet to free.
process.on("SIGUSR2", () => {
  globalThis.gc?.();
  globalThis.gc?.();
});
