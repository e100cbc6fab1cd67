import { type ChildProcess, spawn } from "node:child_process";

/** A real program started by a whole-system test. */
export interface RunningProgram<T> {
  /** What the ready matcher returned (ports, IDs…). */
  readonly ready: T;
  readonly child: ChildProcess;
  /** Every line the program wrote so far (stdout and stderr). */
  readonly output: string[];
  /** Sends `signal` (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const repo = new URL("../../../", import.meta.url).pathname;

/**
 * Starts a program of this repository as its own process (through tsx) and
 * waits until one of its output lines makes `ready` return a value.
 *
 * @example
 * const mp = await startProgram({
 *   name: "marketplace", cwd: "marketplace", args: ["src/main.ts"],
 *   env: { MARKETPLACE_PORT: "0", MARKETPLACE_GRPC_PORT: "0" },
 *   ready: (line) => listeningPorts(line),
 * });
 */
export async function startProgram<T>(options: {
  name: string;
  /** Folder relative to the repository root. */
  cwd: string;
  /** Arguments to tsx: the entry file and its own arguments. */
  args: string[];
  env?: Record<string, string | undefined>;
  ready: (line: string) => T | undefined;
  timeoutMs?: number;
}): Promise<RunningProgram<T>> {
  const child = spawn(process.execPath, [`${repo}node_modules/tsx/dist/cli.mjs`, ...options.args], {
    cwd: `${repo}${options.cwd}`,
    env: { ...process.env, LOG_LEVEL: "info", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so tsx's inner process can be killed with it.
    detached: true,
  });
  const killAll = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const ready = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A program that never got ready must not outlive the test.
      killAll();
      reject(new Error(`${options.name} not ready in time:\n${output.slice(-20).join("\n")}`));
    }, options.timeoutMs ?? 60_000);
    let found = false;
    const onLine = (line: string) => {
      output.push(line);
      if (process.env.HARNESS_ECHO) process.stderr.write(`[${options.name}] ${line}\n`);
      if (found) return;
      const value = options.ready(line);
      if (value !== undefined) {
        found = true;
        clearTimeout(timer);
        resolve(value);
      }
    };
    for (const stream of [child.stdout, child.stderr]) {
      let rest = "";
      stream?.on("data", (d: Buffer) => {
        const lines = (rest + d.toString()).split("\n");
        rest = lines.pop() ?? "";
        for (const line of lines) onLine(line);
      });
    }
    void exited.then((code) => {
      if (!found) {
        clearTimeout(timer);
        reject(new Error(`${options.name} exited with ${code}:\n${output.slice(-20).join("\n")}`));
      }
    });
  });
  return {
    ready,
    child,
    output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(killAll, 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Reads a JSON log line; undefined when the line is not JSON. */
export function jsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The Marketplace's bound ports, from its "listening" log line. */
export function marketplacePorts(line: string): { httpPort: number; grpcPort: number } | undefined {
  const j = jsonLine(line);
  if (j?.msg !== "listening") return undefined;
  return { httpPort: Number(j.http_port), grpcPort: Number(j.grpc_port) };
}
