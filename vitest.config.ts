import { defineConfig } from "vitest/config";

// One test run for the whole repository: unit tests beside the code in each
// package, whole-system and browser tests in tests/.
export default defineConfig({
  test: {
    include: ["{marketplace,aiida-node,sdk,web,mobile,tests}/src/**/*.test.{ts,tsx}"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default"],
  },
});
