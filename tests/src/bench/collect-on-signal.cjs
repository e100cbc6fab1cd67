// Preloaded (with --expose-gc) into the search benchmark's server processes:
// SIGUSR2 makes V8 collect all it can and give the freed memory back (the
// "last resort" collection), so resident memory read afterwards counts what
// the process holds, not garbage a collection has yet to free.
process.on("SIGUSR2", () => {
  globalThis.gc?.({ type: "major", execution: "sync", flavor: "last-resort" });
});
