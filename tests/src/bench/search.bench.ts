// The search fan-out benchmark. The Marketplace program, the bundled IAM and
// the simulated AIIDA instances run as separate processes on loopback; the
// instances register with real key proofs and are claimed through the real
// InstanceService, and an eligible party searches through the SDK (its
// default Connect transport, real access token) again and again. In the same
// run, a plain grpc-js bidi fan-out (same N, same query bytes, no application
// logic) is measured as the baseline. Two processes simulate the instances of
// both, half of each side's N streams in each (one process would need 2N
// sockets), so whatever state a process is in (heap, collections, what it did
// before) weighs on both sides alike.
//
//   npm run bench:search                 # N = 1,000 and N = 10,000
//   BENCH_QUICK=1 npm run bench:search   # N = 200
//
// PostgreSQL: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local
// server at 127.0.0.1:5432; without one the Marketplace uses its embedded
// database. BENCH_SEARCH_N=500,2000 picks other sizes; BENCH_SEARCH_REPEATS
// the number of measured searches (50; 10 in quick mode);
// BENCH_MARKETPLACE_NODE_OPTIONS is passed to the Marketplace process as
// NODE_OPTIONS (to profile it).
//
// RSS per node is the growth of the Marketplace's resident memory from half
// of the N instances connected to all of them, per instance added. Both
// readings come after as many searches (warm-up and measured ones), so what
// searching itself adds once (compiled code, buffers) is in both. Each
// reading is taken at rest (restingRssKb): 10 searches at that size, then 12 s
// idle with a full collection at both ends (memory-at-rest.cjs), and again
// until two readings agree within 1 MB; V8's young generation, which V8 sizes
// by its own heuristics, is left out of both. BENCH_VERBOSE=1 prints every reading
// (RSS, young generation, V8 heap resident and used).
//
// Per N it also prints, from the Marketplace's log line of each measured
// search, how long until all answers were in and how long storing the run's
// end took after that: the summary waits for both.
//
// Last line per N:
//   search fanout n=… p50_ms=… p99_ms=… cpu_us_per_node=… rss_kb_per_node=… baseline_p50_ms=… ratio=…
import { type ChildProcess, fork } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dataRequestInput } from "@eddie-marketplace/marketplace/src/catalog/testing.js";
import { createTestDatabaseUrl } from "@eddie-marketplace/marketplace/src/db/test-database.js";
import { encodeAttachResponse } from "@eddie-marketplace/marketplace/src/mesh/node-registry.js";
import { deriveQuery } from "@eddie-marketplace/marketplace/src/search/query-derivation.js";
import {
  createMarketplaceClient,
  search as searchInstances,
  staticToken,
} from "@eddie-marketplace/sdk";
import pg from "pg";
import { type SignedIn, signUp, startIam, startMarketplaceFor } from "../harness/iam.js";
import { jsonLine } from "../harness/program.js";
import { programPid } from "../mesh/mesh-programs.js";
import type { BaselineCommand, BaselineReport } from "./search-bench-baseline.js";
import type { NodesCommand, NodesReport } from "./search-bench-nodes.js";

const quick = process.env.BENCH_QUICK === "1";
const sizes = process.env.BENCH_SEARCH_N
  ? process.env.BENCH_SEARCH_N.split(",").map(Number)
  : quick
    ? [200]
    : [1_000, 10_000];
const repeats = Number(process.env.BENCH_SEARCH_REPEATS ?? (quick ? 10 : 50));
/** Searches before measuring, so the Marketplace's per-search code is optimised. */
const warmup = Number(process.env.BENCH_SEARCH_WARMUP ?? (quick ? 5 : 20));
/** Every fourth instance matches (BENCH_SEARCH_MATCH_EVERY to change). */
const matchEvery = Number(process.env.BENCH_SEARCH_MATCH_EVERY ?? 4);
const here = new URL(".", import.meta.url).pathname;

async function postgresAdminUrl(): Promise<string | undefined> {
  const url =
    process.env.BENCH_DATABASE_URL ??
    process.env.TEST_DATABASE_URL ??
    "postgres://postgres@127.0.0.1:5432/postgres";
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return url;
  } catch {
    return undefined;
  }
}

/** Makes a process read its memory at rest on SIGUSR2 (memory-at-rest.cjs). */
const memoryAtRest = ["--expose-gc", "--require", `${here}memory-at-rest.cjs`];

/** Forks a helper program of this folder, run by tsx, with an IPC channel. */
function forkHelper(file: string, execArgv: string[] = []): ChildProcess {
  return fork(`${here}${file}`, [], {
    execArgv: ["--import", "tsx", ...execArgv],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

function request<R>(child: ChildProcess, command: unknown, type: string): Promise<R> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string; message?: string }) => {
      if (m.type === "error") {
        child.off("message", onMessage);
        reject(new Error(m.message));
      } else if (m.type === type) {
        child.off("message", onMessage);
        resolve(m as R);
      }
    };
    child.on("message", onMessage);
    child.send(command as object);
  });
}

function stopHelper(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.disconnect();
  });
}

/** CPU time (user + system) of a process, in microseconds. */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / 100;
}

/** Where memory-at-rest.cjs in process `pid` writes its reading. */
const memoryReport = (pid: number) => `${tmpdir()}/search-bench-memory-${pid}.json`;

/**
 * Resident memory of a server process at rest, in KB, without V8's young
 * generation: `busy` runs (searches at the size being measured), then the
 * process collects its garbage and reads its memory once V8 has given back
 * what it kept for reuse (memory-at-rest.cjs, 12 s); again until two readings
 * in a row agree within 1 MB (at most four rounds; the lowest counts). The
 * young generation is a buffer for short-lived objects that V8 sizes between
 * 1 and 34 MB by its own heuristics, not by what the process holds.
 */
async function restingRssKb(pid: number, busy: () => Promise<void>): Promise<number> {
  const readings: number[] = [];
  for (let round = 0; round < 4; round++) {
    await busy();
    rmSync(memoryReport(pid), { force: true });
    process.kill(pid, "SIGUSR2");
    const memory = await readReport(pid);
    if (process.env.BENCH_VERBOSE) {
      const mb = (kb: number) => (kb / 1024).toFixed(1);
      console.log(
        `  at rest: rss=${mb(memory.rssKb)} young=${mb(memory.youngKb)} heap=${mb(memory.heapPhysicalKb)} used=${mb(memory.heapUsedKb)} MB`,
      );
    }
    readings.push(memory.rssKb - memory.youngKb);
    const [a = 0, b = Number.POSITIVE_INFINITY] = readings.slice(-2);
    if (Math.abs(a - b) < 1024) break;
  }
  return Math.min(...readings);
}

interface MemoryReport {
  rssKb: number;
  youngKb: number;
  heapPhysicalKb: number;
  heapUsedKb: number;
}

async function readReport(pid: number): Promise<MemoryReport> {
  for (let waited = 0; waited < 30_000; waited += 250) {
    await new Promise((r) => setTimeout(r, 250));
    // Written whole: renamed into place.
    if (existsSync(memoryReport(pid))) {
      return JSON.parse(readFileSync(memoryReport(pid), "utf8")) as MemoryReport;
    }
  }
  throw new Error(`process ${pid} wrote no memory reading within 30 s`);
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

async function main(): Promise<void> {
  const admin = await postgresAdminUrl();
  if (admin) process.env.TEST_DATABASE_URL = admin;
  console.log(
    `search bench: n=${sizes.join(",")} repeats=${repeats} database=${admin ? "postgres" : "embedded"}`,
  );
  const iam = await startIam({ IAM_ACCESS_TOKEN_TTL: "3600" });
  const results: string[] = [];
  try {
    const [ep, customer] = await Promise.all([
      signUp(iam, { role: "eligible_party", organisation: "Bench Energy" }),
      signUp(iam, { role: "customer" }),
    ]);
    for (const n of sizes) {
      const line = await benchSize(n, iam, ep, customer);
      console.log(line);
      results.push(line);
    }
  } finally {
    await iam.stop();
  }
  console.log("");
  for (const line of results) console.log(line);
}

async function benchSize(
  n: number,
  iam: Awaited<ReturnType<typeof startIam>>,
  ep: SignedIn,
  customer: SignedIn,
): Promise<string> {
  const database = process.env.TEST_DATABASE_URL ? await createTestDatabaseUrl() : undefined;
  const mp = await startMarketplaceFor(iam, {
    DATABASE_URL: database?.url,
    LOG_LEVEL: "info",
    NODE_OPTIONS: [
      ...memoryAtRest.map((a) => JSON.stringify(a)),
      process.env.BENCH_MARKETPLACE_NODE_OPTIONS ?? "",
    ].join(" "),
  });
  const baseline = forkHelper("search-bench-baseline.ts", memoryAtRest);
  const instancesHelpers: ChildProcess[] = [];
  try {
    const mpPid = programPid(mp);
    const { port: baselinePort } = await request<Extract<BaselineReport, { type: "listening" }>>(
      baseline,
      { cmd: "listen" } satisfies BaselineCommand,
      "listening",
    );
    // As integrators and the apps do: through the SDK, with its defaults.
    const client = (who: SignedIn) =>
      createMarketplaceClient({
        baseUrl: `http://127.0.0.1:${mp.ready.httpPort}`,
        tokenProvider: staticToken(who.accessToken),
      });
    const epClient = client(ep);
    const catalog = epClient.catalog;
    const instances = client(customer).instances;

    const { dataRequest } = await catalog.createDataRequest({
      input: dataRequestInput({ countries: ["AT", "DE", "NL", "FR", "IT"] }),
    });
    const id = dataRequest?.id ?? "";
    const published = await catalog.publishDataRequest({ id });
    // The baseline writes the bytes of the query the Marketplace sends.
    const now = new Date();
    const query = encodeAttachResponse({
      message: {
        case: "query",
        value: deriveQuery(published.dataRequest ?? dataRequest!, {
          queryId: crypto.randomUUID(),
          now,
          deadline: new Date(now.getTime() + 30_000),
        }),
      },
    }).toString("base64");

    // Until the summary: the moment the EP has the result (the run and its
    // matches are stored before the summary is sent).
    const search = async () => {
      const started = performance.now();
      const run = await searchInstances(epClient, id, { timeoutMs: 30_000 }).summary;
      const summary = { asked: run.counts?.asked ?? 0, matched: run.counts?.matched ?? 0 };
      return { ms: performance.now() - started, summary };
    };
    const fanout = async () => {
      const started = performance.now();
      await request<BaselineReport>(
        baseline,
        { cmd: "fanout", query, expect: n } satisfies BaselineCommand,
        "fanout",
      );
      return performance.now() - started;
    };

    // Before any node: what the baseline server holds with no stream.
    const baselineRssBefore = await restingRssKb(baseline.pid ?? 0, async () => {});
    /** Has a helper connect `count` more simulated instances to `port`. */
    const connectNodes = (helper: ChildProcess, port: number, count: number) =>
      request<Extract<NodesReport, { type: "connected" }>>(
        helper,
        {
          cmd: "connect",
          target: `127.0.0.1:${port}`,
          n: count,
          matchEvery,
          concurrency: 64,
        } satisfies NodesCommand,
        "connected",
      );
    const first = forkHelper("search-bench-nodes.ts");
    const second = forkHelper("search-bench-nodes.ts");
    instancesHelpers.push(first, second);
    const connectAndClaim = async (helper: ChildProcess, count: number) => {
      const registered = await connectNodes(helper, mp.ready.grpcPort, count);
      const claimStarted = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (;;) {
            const entry = registered.codes[next++];
            if (!entry) return;
            await instances.claimInstance({ instanceId: entry[0], pairingCode: entry[1] });
          }
        }),
      );
      console.log(
        `  n=${n}: ${count} more registered in ${Math.round(registered.ms)} ms, claimed in ${Math.round(performance.now() - claimStarted)} ms`,
      );
    };
    /** `count` runs of `op`, one after another, to run later. */
    const times = (count: number, op: () => Promise<unknown>) => async () => {
      for (let i = 0; i < count; i++) await op();
    };
    const half = Math.floor(n / 2);
    await connectAndClaim(first, half);
    // As many searches as the full size gets before its reading.
    await times(warmup + repeats, search)();
    const mpRssHalf = await restingRssKb(mpPid, times(10, search));
    await connectAndClaim(second, n - half);

    await connectNodes(first, baselinePort, half);
    await connectNodes(second, baselinePort, n - half);

    for (let i = 0; i < warmup; i++) {
      await search();
      await fanout();
    }

    // Searches and baseline fan-outs take turns, so both see the same machine.
    // Each connect numbers its instances from 0; every matchEvery-th matches.
    const expected = Math.ceil(half / matchEvery) + Math.ceil((n - half) / matchEvery);
    const servers = [mpPid, baseline.pid ?? 0];
    const cpuBefore = servers.map(cpuMicros);
    // The instances' CPU time, split by whom they were answering.
    const instancesCpu = () => cpuMicros(first.pid ?? 0) + cpuMicros(second.pid ?? 0);
    let instancesCpuSearching = 0;
    let instancesCpuBaseline = 0;
    const latencies: number[] = [];
    const baselineLatencies: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const beforeSearch = instancesCpu();
      const { ms, summary } = await search();
      const afterSearch = instancesCpu();
      instancesCpuSearching += afterSearch - beforeSearch;
      if (summary?.asked !== n || summary.matched !== expected) {
        throw new Error(
          `search ${i}: asked ${summary?.asked}, matched ${summary?.matched}; want ${n}, ${expected}`,
        );
      }
      latencies.push(ms);
      baselineLatencies.push(await fanout());
      instancesCpuBaseline += instancesCpu() - afterSearch;
    }
    const [cpuMp, cpuBaseline] = servers.map(
      (pid, i) => (cpuMicros(pid) - (cpuBefore[i] ?? 0)) / (repeats * n),
    ) as [number, number];
    const cpuMpNodes = instancesCpuSearching / (repeats * n);
    const cpuBaselineNodes = instancesCpuBaseline / (repeats * n);
    // The Marketplace's own account of the measured searches (its log line per run).
    const ended = mp.output
      .filter((line) => line.includes('"search run ended"'))
      .slice(-repeats)
      .map(jsonLine);
    const sortedField = (field: string) =>
      ended.map((j) => Number(j?.[field])).sort((a, b) => a - b);
    console.log(
      `  n=${n} marketplace log: answers all in after p50 ${percentile(sortedField("search_ms"), 50)} ms, the run's end stored in p50 ${percentile(sortedField("store_ms"), 50)} ms more`,
    );

    const mpRss = await restingRssKb(mpPid, times(10, search));
    const baselineRss = await restingRssKb(baseline.pid ?? 0, times(10, fanout));
    const rssPerNode = (mpRss - mpRssHalf) / (n - half);
    console.log(
      `  n=${n} marketplace rss: ${Math.round(mpRssHalf / 1024)} MB with ${half} instances, ${Math.round(mpRss / 1024)} MB with ${n}`,
    );
    const baselineRssPerNode = (baselineRss - baselineRssBefore) / n;

    latencies.sort((a, b) => a - b);
    baselineLatencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const b50 = percentile(baselineLatencies, 50);
    console.log(
      `  n=${n} baseline: p99_ms=${percentile(baselineLatencies, 99).toFixed(1)} server cpu_us_per_node=${cpuBaseline.toFixed(1)} rss_kb_per_node=${baselineRssPerNode.toFixed(1)}; simulated instances cpu_us_per_node=${cpuMpNodes.toFixed(1)} answering the marketplace, ${cpuBaselineNodes.toFixed(1)} the baseline`,
    );
    return `search fanout n=${n} p50_ms=${p50.toFixed(1)} p99_ms=${percentile(latencies, 99).toFixed(1)} cpu_us_per_node=${cpuMp.toFixed(1)} rss_kb_per_node=${rssPerNode.toFixed(1)} baseline_p50_ms=${b50.toFixed(1)} ratio=${(p50 / b50).toFixed(2)}`;
  } finally {
    for (const helper of [...instancesHelpers, baseline]) await stopHelper(helper);
    await mp.stop();
    await database?.drop();
  }
}

await main();
process.exit(0);
