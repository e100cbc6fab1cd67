// The catalog browse benchmark: loads published data requests and service
// offers into a fresh PostgreSQL database, starts the real Marketplace program
// and the bundled IAM, and browses through the real API (Connect over
// HTTP/1.1 with JSON, as the apps do, with real access tokens) with several
// filter mixes and pages deep into the results. It prints the query plans of
// the main browses and fails if one scans a whole table.
//
//   npm run bench:catalog                 # n = 100,000 of each
//   BENCH_QUICK=1 npm run bench:catalog   # n = 2,000, few requests
//
// PostgreSQL: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else
// postgres://postgres@127.0.0.1:5432/postgres (a database is created and dropped;
// BENCH_KEEP_DATABASE=1 keeps it to study plans).
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import {
  type BrowseRequest,
  browseQuery,
} from "@eddie-marketplace/marketplace/src/catalog/browse.js";
import type { CatalogActor } from "@eddie-marketplace/marketplace/src/catalog/lifecycle.js";
import {
  assetNameOf,
  categoryNameOf,
  obisCodeOf,
  schemaNameOf,
} from "@eddie-marketplace/marketplace/src/catalog/vocabulary-codes.js";
import {
  type DatabaseHandle,
  migrateToLatest,
  openDatabase,
} from "@eddie-marketplace/marketplace/src/db/database.js";
import type {
  Database,
  DataRequestTable,
  ServiceOfferTable,
} from "@eddie-marketplace/marketplace/src/db/schema.js";
import { createTestDatabaseUrl } from "@eddie-marketplace/marketplace/src/db/test-database.js";
import {
  Asset,
  CatalogFilterSchema,
  createMarketplaceClient,
  type MarketplaceClient,
  ObisCode,
  Schema,
  ServiceCategory,
  SortOrder,
  staticToken,
} from "@eddie-marketplace/sdk";
import { type Insertable, type Kysely, sql } from "kysely";
import { signUp, startIam, startMarketplaceFor, type TestIam } from "../harness/iam.js";
import type { RunningProgram } from "../harness/program.js";

const quick = process.env.BENCH_QUICK === "1";
const n = Number(process.env.BENCH_CATALOG_N ?? (quick ? 2_000 : 100_000));
const requestsPerMix = quick ? 12 : 200;
/** Callers in flight at once; more than the server's one core only adds queueing to latency. */
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 2);

/**
 * The PostgreSQL server to create the bench database on: BENCH_DATABASE_URL,
 * TEST_DATABASE_URL, or the local server (started when installed but down).
 */
async function postgresAdminUrl(): Promise<string | undefined> {
  const explicit = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (explicit) return explicit;
  const ensure = (await import(new URL("../../../scripts/ensure.mjs", import.meta.url).href)) as {
    ensurePostgres(): Promise<string | undefined>;
  };
  const local = await ensure.ensurePostgres();
  if (local === undefined) return undefined;
  const url = new URL(local);
  url.pathname = "/postgres";
  return url.toString();
}

// ---- deterministic catalog content -------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(42);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
function some<T>(list: readonly T[], min: number, max: number): T[] {
  const count = min + Math.floor(random() * (max - min + 1));
  const chosen = new Set<T>();
  while (chosen.size < count) chosen.add(pick(list));
  return [...chosen];
}

const countries = ["AT", "DE", "NL", "BE", "FR", "IT", "ES", "SI", "DK", "SE", "PL", "CZ"];
const topics = [
  "heat pump",
  "solar",
  "battery",
  "EV charging",
  "flexibility",
  "tariff",
  "grid",
  "consumption",
  "self-consumption",
  "demand response",
  "storage",
  "wallbox",
  "boiler",
  "district heating",
  "smart home",
  "load shifting",
  "peak shaving",
  "community energy",
  "microgrid",
  "research",
];
const prefixes = [
  "Smart",
  "Green",
  "Dynamic",
  "Local",
  "Efficient",
  "Connected",
  "Open",
  "Regional",
];
const suffixes = [
  "optimisation",
  "insights",
  "study",
  "programme",
  "bonus",
  "analysis",
  "forecast",
  "service",
  "pilot",
  "check",
];
const verbs = ["Optimising", "Forecasting", "Analysing", "Balancing", "Benchmarking", "Monitoring"];
const tails = [
  "against dynamic tariffs",
  "for grid stability",
  "for a university study",
  "to lower household bills",
  "for flexibility markets",
  "for CO2 reporting",
];
const syllables = [
  "ka",
  "lo",
  "mi",
  "ne",
  "ru",
  "sa",
  "ti",
  "vo",
  "ze",
  "pa",
  "do",
  "fi",
  "gu",
  "ha",
  "je",
  "ko",
  "lu",
  "ma",
  "no",
  "pe",
];
const rareWord = () => `${pick(syllables)}${pick(syllables)}${pick(syllables)}`;
const tags = Object.values(ObisCode).filter((v): v is ObisCode => typeof v === "number" && v !== 0);
const schemas = [
  Schema.SMART_METER_P1_RAW,
  Schema.SMART_METER_P1_CIM_V1_04,
  Schema.SMART_METER_P1_CIM_V1_12,
];
const assets = [
  Asset.CONNECTION_AGREEMENT_POINT,
  Asset.CONTROLLABLE_UNIT,
  Asset.DEDICATED_MEASUREMENT_DEVICE,
  Asset.SUBMETER,
];
const categories = Object.values(ServiceCategory).filter(
  (v): v is ServiceCategory => typeof v === "number" && v !== 0,
);
const organisations = Array.from({ length: 200 }, (_, i) => ({
  id: `org-${String(i).padStart(3, "0")}`,
  name: `${pick(prefixes)} Energy ${i}`,
}));
const start = Date.parse("2024-01-01T00:00:00Z");

function item(i: number, benchOrg: { id: string; name: string }) {
  const org = i % 100 === 7 ? benchOrg : pick(organisations);
  const topic = pick(topics);
  const publishedAt = new Date(start + i * 300_000 + Math.floor(random() * 1000));
  return {
    id: randomUUID(),
    organisation_id: org.id,
    organisation_name: org.name,
    status: "published" as const,
    name: `${pick(prefixes)} ${topic} ${pick(suffixes)}`,
    description: `We use your ${pick(topics)} data to ${pick(tails)}. Our ${topic} ${pick(suffixes)} is run with ${rareWord()} partners.`,
    countries: some(countries, 1, 3),
    data_tags: some(tags, 1, 4).map((t) => obisCodeOf(t) ?? ""),
    created_at: new Date(publishedAt.getTime() - 86_400_000),
    updated_at: publishedAt,
    published_at: publishedAt,
    topic,
  };
}

async function load(db: Kysely<Database>, benchOrg: { id: string; name: string }): Promise<void> {
  const batch = 1000;
  for (let from = 0; from < n; from += batch) {
    const requests: Insertable<DataRequestTable>[] = [];
    const offers: Insertable<ServiceOfferTable>[] = [];
    for (let i = from; i < Math.min(n, from + batch); i++) {
      const { topic, ...common } = item(i, benchOrg);
      requests.push({
        ...common,
        purpose: `${pick(verbs)} ${topic} ${pick(tails)}`,
        policy_link: "https://ep.example/privacy",
        relative_start: "-P30D",
        relative_end: "P1Y",
        transmission_schedule: "0 */15 * * * *",
        schemas: some(schemas, 1, 2).map((s) => schemaNameOf(s) ?? ""),
        asset: assetNameOf(pick(assets)) ?? "",
        delivery_endpoint: "https://receiver.ep.example:443",
      });
      const { topic: _, ...offer } = item(i, benchOrg);
      offers.push({
        ...offer,
        category: categoryNameOf(pick(categories)) ?? "",
        link: "https://ep.example/offer",
      });
    }
    await db.insertInto("data_request").values(requests).execute();
    await db.insertInto("service_offer").values(offers).execute();
  }
  await sql`analyze data_request`.execute(db);
  await sql`analyze service_offer`.execute(db);
}

// ---- the browses measured --------------------------------------------------------------

type Kind = "requests" | "offers";
interface Mix {
  readonly name: string;
  readonly kind: Kind;
  readonly as: "customer" | "ep";
  readonly request: BrowseRequest;
  /** Pages followed per round: deep paging through next_page_token. */
  readonly pages: number;
}

const filter = (f: Parameters<typeof create<typeof CatalogFilterSchema>>[1]) =>
  create(CatalogFilterSchema, f);
const page = (
  f: BrowseRequest["filter"],
  sort = SortOrder.NEWEST,
  pageSize = 20,
): BrowseRequest => ({
  filter: f,
  sort,
  pageSize,
  pageToken: "",
});

const mixes: Mix[] = [
  {
    name: "requests: newest",
    kind: "requests",
    as: "customer",
    request: page(filter({})),
    pages: 1,
  },
  {
    name: "requests: country",
    kind: "requests",
    as: "customer",
    request: page(filter({ countries: ["AT"] })),
    pages: 1,
  },
  {
    name: "requests: countries+tag+asset",
    kind: "requests",
    as: "customer",
    request: page(
      filter({
        countries: ["DE", "NL"],
        dataTags: [ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L1],
        asset: Asset.SUBMETER,
      }),
    ),
    pages: 1,
  },
  {
    name: "requests: schema+tags",
    kind: "requests",
    as: "customer",
    request: page(
      filter({
        schemas: [Schema.SMART_METER_P1_RAW],
        dataTags: [ObisCode.FREQUENCY, ObisCode.INSTANTANEOUS_POWER_FACTOR],
      }),
    ),
    pages: 1,
  },
  {
    name: "requests: purpose",
    kind: "requests",
    as: "customer",
    request: page(filter({ purpose: "grid stab" })),
    pages: 1,
  },
  {
    name: "requests: organisation",
    kind: "requests",
    as: "customer",
    request: page(filter({ organisationId: "org-042" })),
    pages: 1,
  },
  {
    name: "requests: text newest",
    kind: "requests",
    as: "customer",
    request: page(filter({ text: "heat pump" })),
    pages: 1,
  },
  {
    name: "requests: text relevance",
    kind: "requests",
    as: "customer",
    request: page(filter({ text: "wallbox pilot", countries: ["AT"] }), SortOrder.RELEVANCE),
    pages: 1,
  },
  {
    name: "requests: rare word",
    kind: "requests",
    as: "customer",
    request: page(filter({ text: "kalomi" })),
    pages: 1,
  },
  {
    name: "requests: deep country pages",
    kind: "requests",
    as: "customer",
    request: page(filter({ countries: ["SI"] })),
    pages: 25,
  },
  {
    name: "requests: deep newest pages",
    kind: "requests",
    as: "customer",
    request: page(filter({}), SortOrder.NEWEST, 50),
    pages: 25,
  },
  {
    name: "requests: mine (EP)",
    kind: "requests",
    as: "ep",
    request: page(filter({ mine: true })),
    pages: 5,
  },
  {
    name: "offers: category+country",
    kind: "offers",
    as: "customer",
    request: page(filter({ category: ServiceCategory.FLEXIBILITY, countries: ["AT"] })),
    pages: 1,
  },
  {
    name: "offers: text",
    kind: "offers",
    as: "customer",
    request: page(filter({ text: "battery bonus" })),
    pages: 1,
  },
  {
    name: "offers: deep tag pages",
    kind: "offers",
    as: "customer",
    request: page(filter({ dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY] })),
    pages: 25,
  },
];

type Catalog = MarketplaceClient["catalog"];

async function browsePage(client: Catalog, mix: Mix, token: string) {
  const req = { ...mix.request, pageToken: token };
  if (mix.kind === "requests") {
    const res = await client.listDataRequests(req);
    return { count: res.dataRequests.length, next: res.nextPageToken };
  }
  const res = await client.listServiceOffers(req);
  return { count: res.serviceOffers.length, next: res.nextPageToken };
}

/** Runs a mix's rounds; every page's latency lands in `into`. */
async function measure(clients: Record<Mix["as"], Catalog>, mix: Mix, into: number[]) {
  const rounds = Math.max(1, Math.ceil(requestsPerMix / mix.pages));
  let next = 0;
  let items = 0;
  const worker = async () => {
    while (next < rounds) {
      next++;
      let token = "";
      for (let p = 0; p < mix.pages; p++) {
        const t0 = performance.now();
        const res = await browsePage(clients[mix.as], mix, token);
        into.push(performance.now() - t0);
        items += res.count;
        token = res.next;
        if (token === "") break;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return items;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

// ---- plans ------------------------------------------------------------------------------

async function explain(db: Kysely<Database>, actors: Record<Mix["as"], CatalogActor>) {
  let fullScans = 0;
  for (const mix of mixes) {
    const kind = mix.kind === "requests" ? "data_request" : "service_offer";
    const actor = actors[mix.as];
    // Plan the first page, and for deep mixes a page deep into the results.
    let request = mix.request;
    const requests = [request];
    if (mix.pages > 1) {
      for (let p = 1; p < mix.pages; p++) {
        const built = browseQuery(actor, request, kind);
        const rows = (await built.query.execute(db)).rows;
        const last = rows[built.pageSize - 1];
        if (rows.length <= built.pageSize || last === undefined) break;
        request = { ...request, pageToken: built.nextPageToken(last) };
      }
      if (request !== mix.request) requests.push(request);
    }
    for (const [i, r] of requests.entries()) {
      const { query } = browseQuery(actor, r, kind);
      const plan = await sql<{
        "QUERY PLAN": string;
      }>`explain (analyze, costs off, buffers off) ${query}`.execute(db);
      const lines = plan.rows.map((row) => row["QUERY PLAN"]);
      const text = lines.join("\n");
      const scan = /Seq Scan on (data_request|service_offer)/.test(text);
      if (scan) fullScans++;
      console.log(
        `\n-- plan: ${mix.name}${i > 0 ? ` (page ${mix.pages})` : ""}${scan ? "  ** FULL TABLE SCAN **" : ""}`,
      );
      for (const line of lines) console.log(`   ${line}`);
    }
  }
  return fullScans;
}

// ---- the run ----------------------------------------------------------------------------

async function main(): Promise<void> {
  const t0 = performance.now();
  const adminUrl = await postgresAdminUrl();
  if (adminUrl === undefined) {
    console.log("catalog browse: skipped, no PostgreSQL here (set BENCH_DATABASE_URL)");
    return;
  }
  process.env.TEST_DATABASE_URL = adminUrl;
  const target = await createTestDatabaseUrl();
  let database: DatabaseHandle | undefined;
  let iam: TestIam | undefined;
  let marketplace: RunningProgram<{ httpPort: number; grpcPort: number }> | undefined;
  try {
    database = await openDatabase({ url: target.url, maxConnections: 4 });
    await migrateToLatest(database.db);
    iam = await startIam();
    const customer = await signUp(iam, { role: "customer" });
    const ep = await signUp(iam, { role: "eligible_party", organisation: "Bench Energy" });
    const benchOrg = { id: ep.organisationId ?? "bench", name: "Bench Energy" };

    const tLoad = performance.now();
    await load(database.db, benchOrg);
    console.log(
      `loaded ${n} published data requests and ${n} service offers in ${((performance.now() - tLoad) / 1000).toFixed(1)} s`,
    );

    const fullScans = await explain(database.db, {
      customer: {},
      ep: { organisation: benchOrg },
    });

    marketplace = await startMarketplaceFor(iam, { DATABASE_URL: target.url });
    const baseUrl = `http://127.0.0.1:${marketplace.ready.httpPort}`;
    const clientFor = (token: string): Catalog =>
      createMarketplaceClient({
        baseUrl,
        tokenProvider: staticToken(token),
        useBinaryFormat: false,
      }).catalog;
    const clients = { customer: clientFor(customer.accessToken), ep: clientFor(ep.accessToken) };

    // Warm up connections, the JIT and PostgreSQL's caches.
    for (const mix of mixes) await measure(clients, { ...mix, pages: Math.min(mix.pages, 3) }, []);

    console.log("\nmix                               pages  p50_ms  p99_ms  items");
    const all: number[] = [];
    const tRun = performance.now();
    for (const mix of mixes) {
      const latencies: number[] = [];
      const items = await measure(clients, mix, latencies);
      latencies.sort((a, b) => a - b);
      all.push(...latencies);
      console.log(
        `${mix.name.padEnd(34)}${String(latencies.length).padStart(5)}${quantile(latencies, 0.5).toFixed(2).padStart(8)}${quantile(latencies, 0.99).toFixed(2).padStart(8)}${String(items).padStart(7)}`,
      );
    }
    const seconds = (performance.now() - tRun) / 1000;
    all.sort((a, b) => a - b);
    if (fullScans > 0) {
      const why = quick ? " (expected on a catalog this small: reading it whole is cheapest)" : "";
      console.log(`\n${fullScans} browse plan(s) scan a whole table${why}`);
    }
    console.log(
      `(total ${((performance.now() - t0) / 1000).toFixed(0)} s, ${concurrency} concurrent callers, Connect JSON over HTTP/1.1, real access tokens)`,
    );
    console.log(
      `catalog browse n=${n} p50_ms=${quantile(all, 0.5).toFixed(2)} p99_ms=${quantile(all, 0.99).toFixed(2)} rps=${(all.length / seconds).toFixed(0)}`,
    );
    // On a small catalog the planner rightly prefers reading the whole table.
    if (fullScans > 0 && !quick) process.exitCode = 1;
  } finally {
    await marketplace?.stop();
    await iam?.stop();
    await database?.close();
    if (process.env.BENCH_KEEP_DATABASE === "1") console.log(`kept the database: ${target.url}`);
    else await target.drop();
  }
}

await main();
