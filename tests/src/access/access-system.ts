import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  Asset,
  createMarketplaceClient,
  type MarketplaceClient,
  ObisCode,
  type Permission,
  type PermissionState,
  publishDataRequest,
  Schema,
  search,
  staticToken,
} from "@eddie-marketplace/sdk";
import {
  freshDatabaseUrl,
  type SignedIn,
  signUp,
  startIam,
  startMarketplaceFor,
  type TestIam,
} from "../harness/iam.js";
import { jsonLine, type RunningProgram, startProgram } from "../harness/program.js";
import { freshStateDir, type NodeReady, pairingCode } from "../mesh/mesh-programs.js";

/** The Marketplace's ports. */
export interface MarketplacePorts {
  readonly httpPort: number;
  readonly grpcPort: number;
}

/** A free TCP port on 127.0.0.1 (for programs that must keep their port across restarts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The whole system for access tests, as real processes: the IAM, the
 * Marketplace (on PostgreSQL when the run has one) on fixed free ports so it
 * can be restarted in place, and helpers to start AIIDA nodes and the demo
 * EP receiver program against it.
 */
export class AccessSystem {
  iam!: TestIam;
  mp!: RunningProgram<MarketplacePorts>;
  ports!: MarketplacePorts;
  private dropDatabase: () => Promise<void> = async () => {};
  /** The Marketplace's PostgreSQL database, when the run has PostgreSQL. */
  databaseUrl: string | undefined;
  private readonly dataDir =
    `${tmpdir()}/mp-access-${process.pid}-${randomBytes(4).toString("hex")}`;
  private readonly programs: RunningProgram<unknown>[] = [];
  private readonly clients = new Map<string, MarketplaceClient>();

  /** Starts the IAM and the Marketplace. */
  async start(): Promise<void> {
    const database = await freshDatabaseUrl();
    this.databaseUrl = database.url;
    this.dropDatabase = database.drop;
    this.iam = await startIam();
    this.ports = { httpPort: await freePort(), grpcPort: await freePort() };
    await this.startMarketplace();
  }

  /** (Re)starts the Marketplace on the same ports, database and data folder. */
  async startMarketplace(): Promise<void> {
    this.mp = await startMarketplaceFor(this.iam, {
      DATABASE_URL: this.databaseUrl,
      MARKETPLACE_PORT: String(this.ports.httpPort),
      MARKETPLACE_GRPC_PORT: String(this.ports.grpcPort),
      MARKETPLACE_DATA_DIR: this.dataDir,
      LOG_LEVEL: "info",
    });
  }

  /** Whether the Marketplace runs on PostgreSQL. */
  get onPostgres(): boolean {
    return this.databaseUrl !== undefined;
  }

  /** The Marketplace's client-facing base URL. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.ports.httpPort}`;
  }

  /**
   * Starts the aiida-node program with one instance of `profile`; `stateDir`
   * keeps its identity and permissions, so a restart is the same household.
   */
  async startNode(name: string, stateDir = freshStateDir(name), profile = "at-household") {
    const program = await startProgram<NodeReady>({
      name,
      cwd: "aiida-node",
      args: [
        "src/main.ts",
        "--marketplace",
        `127.0.0.1:${this.ports.grpcPort}`,
        "--status-port",
        "0",
        "--state-dir",
        stateDir,
        "--profile",
        profile,
      ],
      env: { MARKETPLACE_JWKS_URL: `${this.baseUrl}/.well-known/jwks.json` },
      ready: (line) => {
        const j = jsonLine(line);
        if (j?.msg !== "ready") return undefined;
        return { instanceIds: [String(j.instance_id)] };
      },
    });
    this.programs.push(program);
    return { program, stateDir, instanceId: program.ready.instanceIds[0] ?? "" };
  }

  /** Starts the demo EP receiver program for `organisationId` on a free port. */
  async startReceiver(organisationId: string): Promise<RunningProgram<{ port: number }>> {
    const program = await startProgram<{ port: number }>({
      name: "receiver",
      cwd: "sdk",
      args: ["examples/demo-receiver.ts"],
      env: {
        RECEIVER_PORT: "0",
        MARKETPLACE_URL: this.baseUrl,
        RECEIVER_ORGANISATION_ID: organisationId,
      },
      ready: (line) => {
        const j = jsonLine(line);
        return j?.msg === "listening" && j.service === "receiver"
          ? { port: Number(j.port) }
          : undefined;
      },
    });
    this.programs.push(program);
    return program;
  }

  /** The SDK's Marketplace client calling as `who` (one per person). */
  as(who: SignedIn): MarketplaceClient {
    let mp = this.clients.get(who.accessToken);
    if (mp === undefined) {
      mp = createMarketplaceClient({
        baseUrl: this.baseUrl,
        tokenProvider: staticToken(who.accessToken),
      });
      this.clients.set(who.accessToken, mp);
    }
    return mp;
  }

  /** Signs a person up at the IAM and introduces them to the Marketplace (GetMe). */
  async person(role: "customer" | "eligible_party", name: string): Promise<SignedIn> {
    const who = await signUp(this.iam, {
      role,
      displayName: name,
      organisation:
        role === "eligible_party" ? `${name} ${randomBytes(3).toString("hex")}` : undefined,
    });
    await this.as(who).account.getMe({});
    return who;
  }

  /** The customer claims the node's instance with the pairing code it shows. */
  async claim(who: SignedIn, node: RunningProgram<unknown>, instanceId: string) {
    const code = await pairingCode(node, instanceId);
    return this.as(who).instances.claimInstance({ instanceId, pairingCode: code });
  }

  /**
   * The EP creates and publishes a data request delivering energy and power
   * import every five seconds to `deliveryEndpoint`, sharing from a minute before
   * approval (absolute dates) for an hour.
   */
  async publishRequest(ep: SignedIn, deliveryEndpoint: string, name = "Heat pump optimisation") {
    const now = Date.now();
    const published = await publishDataRequest(this.as(ep), {
      dataNeed: {
        name,
        description: "We shift your heat pump to the cheapest hours.",
        purpose: "Optimising heat pump operation against dynamic tariffs",
        policyLink: "https://ep.example/privacy",
        duration: {
          kind: {
            case: "absolute",
            value: { start: timestampFromMs(now - 60_000), end: timestampFromMs(now + 3_600_000) },
          },
        },
        transmissionSchedule: "*/5 * * * * *",
        schemas: [Schema.SMART_METER_P1_CIM_V1_12],
        asset: Asset.CONNECTION_AGREEMENT_POINT,
        dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY, ObisCode.POSITIVE_ACTIVE_INSTANTANEOUS_POWER],
      },
      countries: ["AT"],
      deliveryEndpoint,
    });
    return published.id;
  }

  /** The EP searches for a data request and returns the run's ID and matches. */
  async search(ep: SignedIn, dataRequestId: string) {
    const run = search(this.as(ep), dataRequestId, { timeoutMs: 5_000 });
    const matches: string[] = [];
    for await (const m of run.matches()) matches.push(m.instanceId);
    const { id } = await run.summary;
    return { runId: id, matches: matches.sort() };
  }

  /** Polls a permission (as `who`) until `state`, returning it. */
  async permissionIn(
    who: SignedIn,
    id: string,
    state: PermissionState,
    timeoutMs = 20_000,
  ): Promise<Permission> {
    const { access } = this.as(who);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { permission } = await access.getPermission({ id });
      if (permission?.state === state) return permission;
      if (Date.now() > deadline) {
        throw new Error(`permission ${id} is ${permission?.state}, not ${state}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops every program and drops the database. */
  async stop(): Promise<void> {
    await Promise.all(this.programs.map((p) => p.stop()));
    await this.mp?.stop();
    await this.iam?.stop();
    await this.dropDatabase();
  }
}

/** One "records received" line of the demo receiver. */
export interface ReceivedLine {
  readonly permission: string;
  readonly instance: string;
  readonly count: number;
  readonly firstReceivedAt: number;
  readonly lastReceivedAt: number;
}

/** Every "records received" line the receiver program printed so far. */
export function receivedLines(receiver: RunningProgram<unknown>): ReceivedLine[] {
  const lines: ReceivedLine[] = [];
  for (const l of receiver.output) {
    const j = jsonLine(l);
    if (j?.msg !== "records received") continue;
    lines.push({
      permission: String(j.permission),
      instance: String(j.instance),
      count: Number(j.count),
      firstReceivedAt: Date.parse(String(j.first_received_at)),
      lastReceivedAt: Date.parse(String(j.last_received_at)),
    });
  }
  return lines;
}

/** Waits until the receiver printed records for `permissionId`, returning them. */
export async function recordsFor(
  receiver: RunningProgram<unknown>,
  permissionId: string,
  timeoutMs = 20_000,
): Promise<ReceivedLine[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = receivedLines(receiver).filter((l) => l.permission === permissionId);
    if (lines.length > 0) return lines;
    if (Date.now() > deadline) throw new Error(`no records for ${permissionId} arrived in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
