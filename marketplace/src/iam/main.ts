import { startProgram, stopOnSignals } from "../program-start.js";
import { loadIamConfig } from "./iam-config.js";
import { startIamServer } from "./iam-server.js";

// The bundled IAM program: an OpenID provider for customers, eligible parties
// and EP backends. Prints {"msg":"listening","port":N,"issuer":"..."} when ready.
const { config, log, database } = await startProgram("iam", loadIamConfig);
const iam = await startIamServer({ config, database, log }).catch(async (err: unknown) => {
  log.error("cannot start", { err });
  await database.close();
  process.exit(1);
});
log.info("listening", { port: iam.port, issuer: iam.issuer });

stopOnSignals(log, async () => {
  await iam.stop();
  await database.close();
  log.info("stopped");
});
