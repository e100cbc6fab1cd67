// The AIIDA node program: one AIIDA instance, or a swarm of simulated ones
// (--simulate N) for tests and benchmarks. See ../README.md.
import { createLogger } from "@eddie-marketplace/sdk/log";
import { ConfigError, readNodeConfig, USAGE } from "./node-config.js";
import { startNodes } from "./node-program.js";

let config: ReturnType<typeof readNodeConfig>;
try {
  config = readNodeConfig(process.argv.slice(2), process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`aiida-node: ${err.message}\n`);
  process.exit(2);
}
if (!config) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const log = createLogger(config.logLevel, { component: "aiida-node" });
const nodes = await startNodes(config, {
  print: (line) => process.stdout.write(`${JSON.stringify(line)}\n`),
  log,
}).catch((err: unknown) => {
  log.error("cannot start", { err });
  process.exit(1);
});

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await nodes.stop();
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
