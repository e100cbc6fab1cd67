// `npm start`: the whole system on this machine with demo data, on the
// embedded database unless DATABASE_URL is set. Installs packages first when
// needed. Ctrl-C stops every part.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { ensurePackages } from "./ensure.mjs";

ensurePackages();
const root = new URL("..", import.meta.url).pathname;

/** The parts, in start order: name, workspace folder, command. */
// The IAM and the Marketplace share a per-run admin token (API clients).
const iamAdmin = {
  IAM_ADMIN_TOKEN: process.env.IAM_ADMIN_TOKEN || randomBytes(24).toString("base64url"),
};
const parts = [
  {
    name: "iam",
    cwd: "marketplace",
    args: ["tsx", "src/iam/main.ts"],
    env: { ...iamAdmin, IAM_DEMO_ACCOUNTS: "1", IAM_DATA_DIR: `${root}.data/iam` },
  },
  {
    name: "marketplace",
    cwd: "marketplace",
    args: ["tsx", "src/main.ts"],
    env: {
      ...iamAdmin,
      MARKETPLACE_DEMO_DATA: "1",
      MARKETPLACE_DATA_DIR: `${root}.data/marketplace`,
    },
  },
  // Three simulated AIIDA instances (AT, NL, FR households), unclaimed: their
  // IDs and pairing codes are printed so a customer can claim one in the app.
  {
    name: "aiida",
    cwd: "aiida-node",
    args: ["tsx", "src/main.ts", "--simulate", "3", "--state-dir", `${root}.data/aiida-nodes`],
    env: { AIIDA_STATUS_PORT: "8090" },
    onLine: showPairingCode,
  },
  // The demo eligible party's receiver (IngestService) on 127.0.0.1:50061.
  {
    name: "receiver",
    cwd: "sdk",
    args: ["tsx", "examples/demo-receiver.ts"],
    // The demo EP's organisation (marketplace/src/demo/demo-organisation.ts).
    env: { RECEIVER_ORGANISATION_ID: "org_demo-energy" },
  },
  // The Customer Mobile App on http://localhost:5174.
  { name: "mobile", cwd: "mobile", args: ["vite"] },
  // The EP Web App on http://localhost:5173.
  { name: "web", cwd: "web", args: ["vite"] },
];

const children = [];
let stopping = false;
for (const part of parts) {
  const child = spawn("npx", ["--no-install", ...part.args], {
    cwd: `${root}${part.cwd}`,
    env: { ...process.env, ...part.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const prefix = `[${part.name}] `;
  for (const stream of [child.stdout, child.stderr]) {
    let rest = "";
    stream.on("data", (d) => {
      const lines = (rest + d.toString()).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        process.stdout.write(`${prefix}${line}\n`);
        part.onLine?.(line);
      }
    });
  }
  child.on("exit", (code) => {
    if (!stopping) {
      console.error(`${prefix}exited with ${code}; stopping everything`);
      stop(1);
    }
  });
  children.push(child);
}

/** Prints each pairing code an AIIDA instance shows, plainly, for the demo. */
function showPairingCode(line) {
  if (!line.startsWith("{")) return;
  let event;
  try {
    event = JSON.parse(line);
  } catch {
    return;
  }
  if (event.msg !== "pairing code") return;
  process.stdout.write(
    `\n  AIIDA instance ${event.instance_id}\n  pairing code   ${event.pairing_code}  (until ${event.expires_at})\n  status page    ${event.status_url}\n\n`,
  );
}

function stop(code = 0) {
  stopping = true;
  for (const child of children) {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
  }
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(
    children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.once("exit", r)))),
  ).then(() => process.exit(code));
}
process.once("SIGINT", () => stop(0));
process.once("SIGTERM", () => stop(0));
