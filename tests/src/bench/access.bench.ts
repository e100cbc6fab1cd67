// The access benchmark: how fast consent turns into data and back. With the
// real IAM, Marketplace and an AIIDA node as processes and the SDK's receiver
// in this process, each run publishes a data request, searches, asks access,
// and measures:
//   - approval → first record at the receiver (grant signed, sent down the
//     node's stream, verified at the node, delivery opened, first batch);
//   - revocation → the node reporting it stopped (StopPermission round trip);
//   - revocation → the last record at the receiver (0 when none came after).
//
//   npm run bench:access                 # 100 runs
//   BENCH_QUICK=1 npm run bench:access   # 5 runs
//
// PostgreSQL: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local
// server on 127.0.0.1:5432 (started when installed but down); else embedded.
import {
  InstanceDeliveryState,
  PermissionState,
  type ReceivedRecord,
  startIngestReceiver,
} from "@eddie-marketplace/sdk";
import { AccessSystem } from "../access/access-system.js";

const quick = process.env.BENCH_QUICK === "1";
const runs = Number(process.env.BENCH_ACCESS_RUNS ?? (quick ? 5 : 100));

async function postgresAdminUrl(): Promise<string | undefined> {
  const explicit = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (explicit) return explicit;
  const ensure = (await import(new URL("../../../scripts/ensure.mjs", import.meta.url).href)) as {
    ensurePostgres(): Promise<string | undefined>;
  };
  const local = await ensure.ensurePostgres().catch(() => undefined);
  if (local === undefined) return undefined;
  const url = new URL(local);
  url.pathname = "/postgres";
  return url.toString();
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? Number.NaN;
}

function summary(name: string, values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return `${name.padEnd(36)} p50 ${percentile(sorted, 50).toFixed(0).padStart(6)} ms   p99 ${percentile(sorted, 99).toFixed(0).padStart(6)} ms   mean ${mean.toFixed(0).padStart(6)} ms   max ${(sorted.at(-1) ?? Number.NaN).toFixed(0).padStart(6)} ms`;
}

const admin = await postgresAdminUrl();
if (admin !== undefined) process.env.TEST_DATABASE_URL = admin;
const system = new AccessSystem();
await system.start();
const customer = await system.person("customer", "Bench Household");
const ep = await system.person("eligible_party", "Bench Energy");
const node = await system.startNode("aiida-bench");
await system.claim(customer, node.program, node.instanceId);
const receiver = await startIngestReceiver({
  organisationId: ep.organisationId ?? "",
  marketplace: system.baseUrl,
});

// Every record, as it arrives, by permission.
const firstAt = new Map<string, number>();
const lastAt = new Map<string, number>();
const waiters = new Map<string, () => void>();
const abort = new AbortController();
const collecting = (async () => {
  for await (const r of receiver.records(abort.signal) as AsyncIterable<ReceivedRecord>) {
    const t = r.receivedAt.getTime();
    if (!firstAt.has(r.permissionId)) firstAt.set(r.permissionId, t);
    lastAt.set(r.permissionId, t);
    waiters.get(r.permissionId)?.();
  }
})();

const toFirst: number[] = [];
const toStopped: number[] = [];
const revocations: { id: string; revokedAt: number }[] = [];
const customerAccess = system.as(customer).access;
const epAccess = system.as(ep).access;
console.log(
  `access bench: ${runs} runs, Marketplace on ${system.onPostgres ? "PostgreSQL" : "the embedded database"}, one AIIDA node, receiver in process`,
);
try {
  for (let i = 0; i < runs; i++) {
    const dataRequestId = await system.publishRequest(
      ep,
      `http://127.0.0.1:${receiver.port}`,
      `Bench request ${i}`,
    );
    const { runId, matches } = await system.search(ep, dataRequestId);
    if (matches.length !== 1) throw new Error(`run ${i}: the search matched ${matches.length}`);
    const { permissions } = await epAccess.requestAccess({ searchRunId: runId });
    const id = permissions[0]?.id ?? "";
    const first = new Promise<void>((resolve) => waiters.set(id, resolve));

    const approvedAt = performance.timeOrigin + performance.now();
    await customerAccess.approvePermission({ id });
    await first;
    waiters.delete(id);
    toFirst.push((firstAt.get(id) ?? Number.NaN) - approvedAt);
    await system.permissionIn(customer, id, PermissionState.ACTIVE);

    const revokedAt = performance.timeOrigin + performance.now();
    await customerAccess.revokePermission({ id });
    for (;;) {
      const { permission } = await customerAccess.getPermission({ id });
      if (permission?.instances[0]?.state === InstanceDeliveryState.STOPPED) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    toStopped.push(performance.timeOrigin + performance.now() - revokedAt);
    revocations.push({ id, revokedAt });
    if (!quick && (i + 1) % 20 === 0) console.log(`  ${i + 1} runs`);
  }
  // A record in flight at the stop would show up here, after the last run.
  await new Promise((r) => setTimeout(r, 1_000));
  const toLast = revocations.map(({ id, revokedAt }) =>
    Math.max(0, (lastAt.get(id) ?? 0) - revokedAt),
  );
  console.log(summary("approval -> first record", toFirst));
  console.log(summary("revocation -> node stopped", toStopped));
  console.log(summary("revocation -> last record", toLast));
} finally {
  abort.abort();
  await collecting;
  await receiver.close();
  await system.stop();
}
