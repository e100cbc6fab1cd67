import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampNow } from "@bufbuild/protobuf/wkt";
import {
  AiidaService,
  Asset,
  type AttachRequest,
  type AttachResponse,
  AttachResponseSchema,
  type Capabilities,
  ObisCode,
} from "@eddie-marketplace/gen";
import { grpcServiceDefinition } from "@eddie-marketplace/sdk/grpc-js";
import { silentLogger } from "@eddie-marketplace/sdk/log";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readNodeConfig } from "./node-config.js";
import { type PairingCodeLine, type ProgramLine, startNodes } from "./node-program.js";

/**
 * A Marketplace node listener that welcomes everyone with a pairing code
 * and remembers what each instance said, for checking the program.
 */
interface Seen {
  peer: string;
  hello?: AttachRequest["message"] & { case: "hello" };
  capabilities?: Capabilities;
  answers: Map<string, boolean>;
  call: grpc.ServerDuplexStream<AttachRequest, AttachResponse>;
}
const seen = new Map<string, Seen>();
/** Wakes tests waiting for the fake to see something. */
const answerWaiters: (() => void)[] = [];
let server: grpc.Server;
let target: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aiida-program-"));
  server = new grpc.Server();
  server.addService(grpcServiceDefinition(AiidaService), {
    attach(call: grpc.ServerDuplexStream<AttachRequest, AttachResponse>) {
      let entry: Seen | undefined;
      call.on("error", () => {});
      call.on("data", (m: AttachRequest) => {
        if (m.message.case === "hello") {
          const id = m.message.value.instanceId;
          entry = { peer: call.getPeer(), hello: m.message, answers: new Map(), call };
          seen.set(id, entry);
          call.write(
            create(AttachResponseSchema, {
              message: {
                case: "welcome",
                value: {
                  claimed: false,
                  pairingCode: { code: `C-${id.slice(0, 4)}`, expiresAt: timestampNow() },
                  pingInterval: durationFromMs(30_000),
                },
              },
            }),
          );
        } else if (m.message.case === "capabilities" && entry) {
          entry.capabilities = m.message.value;
          for (const w of answerWaiters.splice(0)) w();
        } else if (m.message.case === "queryAnswer" && entry) {
          entry.answers.set(m.message.value.queryId, m.message.value.match);
          for (const w of answerWaiters.splice(0)) w();
        }
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  target = `127.0.0.1:${port}`;
});

afterAll(async () => {
  server.forceShutdown();
  await rm(dir, { recursive: true, force: true });
});

function config(args: string[]) {
  const c = readNodeConfig(args, {});
  if (!c) throw new Error("no config");
  return c;
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise<void>((resolve) => answerWaiters.push(resolve));
}

describe("a swarm", () => {
  it("attaches every instance on its own connection with its own key, then prints ready", async () => {
    const lines: ProgramLine[] = [];
    let lineAdded: (() => void) | undefined;
    const nodes = await startNodes(
      config([
        "--marketplace",
        target,
        "--simulate",
        "6",
        "--seed",
        "100",
        "--status-port",
        "0",
        "--state-dir",
        join(dir, "swarm"),
        "--dial-concurrency",
        "2",
      ]),
      {
        print: (l) => {
          lines.push(l);
          lineAdded?.();
        },
        log: silentLogger,
        backoff: { initialMs: 20, multiplier: 2, jitter: 0, maxMs: 200 },
      },
    );
    try {
      const ready = await nodes.ready;
      expect(ready).toMatchObject({ msg: "ready", mode: "swarm", count: 6 });
      const ids = ready.instance_ids ?? [];
      expect(new Set(ids).size).toBe(6);
      const mine = ids.map((id) => seen.get(id));
      expect(new Set(mine.map((s) => s?.peer)).size).toBe(6);
      expect(new Set(mine.map((s) => s?.hello?.value.publicKeyJwk)).size).toBe(6);
      expect(mine[0]?.hello?.value.advertisedAddress).toBe(`${ready.status_url}nodes/${ids[0]}`);
      await until(() => mine.every((s) => s?.capabilities));
      expect(mine.map((s) => s?.capabilities?.dataSources[0]?.country)).toEqual([
        "AT",
        "NL",
        "FR",
        "IT",
        "DE",
        "AT",
      ]);
      const codes = lines.filter((l): l is PairingCodeLine => l.msg === "pairing code");
      expect(codes.map((c) => c.instance_id).sort()).toEqual([...ids].sort());
      expect(codes[0]?.pairing_uri).toBe(
        `aiida:${codes[0]?.instance_id}:${codes[0]?.pairing_code}`,
      );
      expect(lines.at(-1)?.msg).toBe("ready");

      // Every instance answers on its own data: only the Dutch one has per-phase voltages.
      const query = create(AttachResponseSchema, {
        message: {
          case: "query",
          value: {
            queryId: "voltages",
            asset: Asset.CONNECTION_AGREEMENT_POINT,
            dataTags: [ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L3],
          },
        },
      });
      for (const s of mine) s?.call.write(query);
      await until(() => mine.every((s) => s?.answers.has("voltages")));
      expect(mine.map((s) => s?.answers.get("voltages"))).toEqual([
        false,
        true,
        false,
        false,
        false,
        false,
      ]);

      const status = (await (await fetch(`${ready.status_url}nodes.json`)).json()) as unknown[];
      expect(status).toHaveLength(6);
      expect(status[0]).toMatchObject({ instance_id: ids[0], state: "attached", claimed: false });

      // The Marketplace drops every stream: all reconnect, and the swarm says so once.
      const allBack = new Promise<void>((resolve) => {
        lineAdded = () => {
          if (lines.at(-1)?.msg === "attached") resolve();
        };
      });
      for (const s of mine)
        s?.call.emit("error", { code: grpc.status.UNAVAILABLE, details: "restart" });
      await allBack;
      expect(lines.at(-1)).toEqual({ msg: "attached", count: 6 });
      expect(nodes.instances.every((i) => i.link.status.attempts === 2)).toBe(true);
    } finally {
      await nodes.stop();
    }
  });

  it("keeps its identities across restarts of the same state folder", async () => {
    const run = async () => {
      const nodes = await startNodes(
        config([
          "--marketplace",
          target,
          "--simulate",
          "2",
          "--status-port",
          "0",
          "--state-dir",
          join(dir, "again"),
          "--no-codes",
        ]),
        { print: () => {}, log: silentLogger },
      );
      const ready = await nodes.ready;
      await nodes.stop();
      return ready.instance_ids;
    };
    expect(await run()).toEqual(await run());
  });
});

describe("the program", () => {
  it("starts one instance as a process, prints ready and its pairing code, and stops on SIGTERM", async () => {
    const stateDir = join(dir, "single");
    const child = spawn(
      process.execPath,
      [
        new URL("../../node_modules/tsx/dist/cli.mjs", import.meta.url).pathname,
        new URL("./main.ts", import.meta.url).pathname,
        "--status-port",
        "0",
        "--profile",
        "fr-linky",
      ],
      {
        env: {
          ...process.env,
          MARKETPLACE_NODE_URL: `http://${target}`,
          AIIDA_STATE_DIR: stateDir,
        },
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const next = async () =>
        JSON.parse(String((await lines.next()).value)) as Record<string, unknown>;
      const ready = await next();
      expect(ready).toMatchObject({ msg: "ready", mode: "single", marketplace: target });
      const id = String(ready.instance_id);
      expect(await next()).toEqual({ msg: "attached", instance_id: id, claimed: false });
      const code = await next();
      expect(code).toMatchObject({
        msg: "pairing code",
        instance_id: id,
        pairing_code: `C-${id.slice(0, 4)}`,
      });
      expect(seen.get(id)?.hello?.value.advertisedAddress).toBe(ready.status_url);
      const status = (await (await fetch(`${ready.status_url}status.json`)).json()) as {
        data_sources: { country: string }[];
      };
      expect(status).toMatchObject({
        instance_id: id,
        state: "attached",
        pairing_code: `C-${id.slice(0, 4)}`,
      });
      expect(status.data_sources[0]?.country).toBe("FR");
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
