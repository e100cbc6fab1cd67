import { join } from "node:path";
import type { Logger } from "@eddie-marketplace/sdk/log";
import * as grpc from "@grpc/grpc-js";
import packageJson from "../package.json" with { type: "json" };
import { type AiidaInstance, createInstance } from "./aiida-instance.js";
import { enableDelivery } from "./delivery/instance-delivery.js";
import { loadOrCreateIdentities, loadOrCreateIdentity } from "./identity/instance-identity.js";
import type { BackoffOptions } from "./link/reconnect-backoff.js";
import type { NodeConfig } from "./node-config.js";
import { stringHash } from "./sources/simulated-meter.js";
import { SOURCE_PROFILES, sourceProfile } from "./sources/source-profiles.js";
import { pairingUri, type StatusServer, startStatusServer } from "./status/status-server.js";

/** The AIIDA software version this program reports in `hello`. */
export const VERSION: string = packageJson.version;

/** The file a swarm keeps its identities in, inside the state folder. */
export const SWARM_IDENTITIES_FILE = "swarm-identities.json";

/** The line printed once the program is up (one instance) or all instances are attached (swarm). */
export interface ReadyLine {
  msg: "ready";
  mode: "single" | "swarm";
  /** The instance's ID (single mode). */
  instance_id?: string;
  /** Every instance's ID in start order (swarm mode). */
  instance_ids?: string[];
  count: number;
  status_port: number;
  status_url: string;
  marketplace: string;
  version: string;
}

/** The line printed whenever an instance gets a pairing code. */
export interface PairingCodeLine {
  msg: "pairing code";
  instance_id: string;
  pairing_code: string;
  expires_at: string | null;
  /** What the status page's QR code holds. */
  pairing_uri: string;
  status_url: string;
}

/**
 * The line printed whenever the instance is welcomed (one instance), or
 * whenever every instance of a swarm is attached again after some were not
 * (`instance_id` absent, `count` set).
 */
export interface AttachedLine {
  msg: "attached";
  instance_id?: string;
  claimed?: boolean;
  count?: number;
}

/** Every line the program prints on stdout. */
export type ProgramLine = ReadyLine | PairingCodeLine | AttachedLine;

/** Running instances and their status server. */
export interface RunningNodes {
  readonly instances: readonly AiidaInstance[];
  readonly status: StatusServer;
  /** Settles with the ready line once it was printed. */
  readonly ready: Promise<ReadyLine>;
  /** Stops every link and the status server. */
  stop(): Promise<void>;
}

/**
 * Starts what the configuration asks for: one AIIDA instance with its kept
 * identity, or a swarm of simulated ones (`simulate`), each with its own
 * key, seed, profile and connection, behind one status server. `print`
 * receives the lines other programs read (ready, pairing codes).
 *
 * One instance is ready as soon as its status page is up, whether or not the
 * Marketplace is reachable (a home box starts on its own). A swarm is ready
 * when every instance is attached.
 */
export async function startNodes(
  config: NodeConfig,
  io: { print: (line: ProgramLine) => void; log: Logger; backoff?: BackoffOptions },
): Promise<RunningNodes> {
  const count = config.simulate ?? 1;
  const swarm = config.simulate !== undefined;
  const identities = swarm
    ? await loadOrCreateIdentities(join(config.stateDir, SWARM_IDENTITIES_FILE), count)
    : [await loadSingle(config, io.log)];
  const instances: AiidaInstance[] = [];
  const byId = new Map<string, AiidaInstance>();
  const status = await startStatusServer({
    host: config.statusHost,
    port: config.statusPort,
    publicUrl: config.advertisedUrl,
    directory: { version: VERSION, list: () => instances, get: (id) => byId.get(id) },
  });
  const credentials = config.tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
  const linkLog = swarm && config.logLevel !== "debug" ? quietLog(io.log) : io.log;
  const baseSeed = config.seed ?? 1;
  for (const [i, identity] of identities.entries()) {
    const profile = config.profile
      ? sourceProfile(config.profile)
      : swarm
        ? (SOURCE_PROFILES[i % SOURCE_PROFILES.length] ?? sourceProfile("at-household"))
        : sourceProfile("at-household");
    const seed = swarm ? (baseSeed + i) >>> 0 : (config.seed ?? stringHash(identity.instanceId));
    const instance = createInstance({
      identity,
      profile,
      seed,
      country: config.country,
      target: config.marketplaceTarget,
      credentials,
      version: VERSION,
      advertisedAddress: swarm ? status.instanceUrl(identity.instanceId) : status.url,
      log: linkLog,
      backoff: io.backoff,
    });
    instances.push(instance);
    byId.set(identity.instanceId, instance);
    if (config.printCodes) {
      instance.link.on("pairingCode", (code) =>
        io.print({
          msg: "pairing code",
          instance_id: identity.instanceId,
          pairing_code: code.code,
          expires_at: code.expiresAt?.toISOString() ?? null,
          pairing_uri: pairingUri(identity.instanceId, code.code),
          status_url: swarm ? status.instanceUrl(identity.instanceId) : status.url,
        }),
      );
    }
  }

  // Approved permissions: verify grants, deliver to the eligible parties, resume after restarts.
  const stopDeliveries = await enableDelivery(
    instances,
    { stateDir: config.stateDir, marketplaceTarget: config.marketplaceTarget },
    io.log,
  );

  const readyLine = (): ReadyLine => ({
    msg: "ready",
    mode: swarm ? "swarm" : "single",
    ...(swarm
      ? { instance_ids: instances.map((i) => i.identity.instanceId) }
      : { instance_id: instances[0]?.identity.instanceId }),
    count,
    status_port: status.port,
    status_url: status.url,
    marketplace: config.marketplaceTarget,
    version: VERSION,
  });

  let ready: Promise<ReadyLine>;
  if (swarm) {
    ready = new Promise((resolve) => {
      let first = true;
      whenAllAttached(instances, () => {
        if (first) {
          first = false;
          const line = readyLine();
          io.print(line);
          resolve(line);
        } else {
          io.print({ msg: "attached", count });
        }
      });
    });
    dialPaced(instances, config.dialConcurrency);
  } else {
    for (const i of instances) {
      i.link.on("welcome", (w) =>
        io.print({ msg: "attached", instance_id: i.identity.instanceId, claimed: w.claimed }),
      );
      i.link.start();
    }
    const line = readyLine();
    io.print(line);
    ready = Promise.resolve(line);
  }

  return {
    instances,
    status,
    ready,
    async stop() {
      for (const i of instances) i.link.stop();
      await stopDeliveries();
      await status.close();
    },
  };
}

async function loadSingle(config: NodeConfig, log: Logger) {
  const { identity, created } = await loadOrCreateIdentity(config.stateDir);
  log.info(created ? "made a new identity" : "loaded the identity", {
    instance_id: identity.instanceId,
    state_dir: config.stateDir,
  });
  return identity;
}

/** Starts links so that at most `concurrency` are on their first dial at once. */
function dialPaced(instances: readonly AiidaInstance[], concurrency: number): void {
  let next = 0;
  const startOne = () => {
    const instance = instances[next++];
    if (!instance) return;
    const off = instance.link.on("status", (s) => {
      if (s.state === "connecting") return;
      off();
      startOne();
    });
    instance.link.start();
  };
  for (let i = 0; i < concurrency; i++) startOne();
}

/** Calls `onAll` each time every instance becomes attached at once. */
function whenAllAttached(instances: readonly AiidaInstance[], onAll: () => void): void {
  let attached = 0;
  for (const instance of instances) {
    let was = instance.link.status.state === "attached";
    if (was) attached++;
    instance.link.on("status", (s) => {
      const is = s.state === "attached";
      if (is === was) return;
      was = is;
      attached += is ? 1 : -1;
      // After the welcome is fully handled, so its pairing code line comes first.
      if (attached === instances.length) {
        queueMicrotask(() => {
          if (attached === instances.length) onAll();
        });
      }
    });
  }
  if (attached === instances.length) onAll();
}

/** A swarm's links log only warnings and errors, unless debugging. */
function quietLog(log: Logger): Logger {
  const quiet: Logger = {
    debug: () => {},
    info: () => {},
    warn: (msg, fields) => log.warn(msg, fields),
    error: (msg, fields) => log.error(msg, fields),
    child: (fields) => {
      const child = log.child(fields);
      return {
        ...quiet,
        warn: (m, f) => child.warn(m, f),
        error: (m, f) => child.error(m, f),
        child: () => quiet,
      };
    },
  };
  return quiet;
}
