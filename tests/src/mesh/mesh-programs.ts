import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { jsonLine, type RunningProgram, startProgram } from "../harness/program.js";

/** The aiida-node program's ready line. */
export interface NodeReady {
  readonly instanceIds: string[];
}

/**
 * Starts the aiida-node program against a Marketplace's node listener: one
 * instance (`profile`) or a swarm (`simulate`). `stateDir` keeps identities,
 * so a restart with the same folder is the same instance.
 */
export function startAiidaNode(options: {
  name: string;
  grpcPort: number;
  stateDir?: string;
  profile?: string;
  simulate?: number;
}): Promise<RunningProgram<NodeReady>> {
  const args = [
    "src/main.ts",
    "--marketplace",
    `127.0.0.1:${options.grpcPort}`,
    "--status-port",
    "0",
    "--state-dir",
    options.stateDir ?? freshStateDir(options.name),
  ];
  if (options.profile) args.push("--profile", options.profile);
  if (options.simulate) args.push("--simulate", String(options.simulate));
  return startProgram({
    name: options.name,
    cwd: "aiida-node",
    args,
    ready: (line) => {
      const j = jsonLine(line);
      if (j?.msg !== "ready") return undefined;
      const ids = (j.instance_ids as string[] | undefined) ?? [String(j.instance_id)];
      return { instanceIds: ids };
    },
  });
}

/** A new, empty folder name for a node's state. */
export function freshStateDir(name: string): string {
  return `${tmpdir()}/${name}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/**
 * Resolves with the first line of `program` (already written or still to
 * come) for which `pick` returns a value.
 */
export function nextLine<T>(
  program: RunningProgram<unknown>,
  pick: (line: Record<string, unknown>) => T | undefined,
  from = 0,
): Promise<T> {
  for (const line of program.output.slice(from)) {
    const j = jsonLine(line);
    const v = j === undefined ? undefined : pick(j);
    if (v !== undefined) return Promise.resolve(v);
  }
  return new Promise((resolve, reject) => {
    const offs: (() => void)[] = [];
    const done = () => {
      for (const off of offs) off();
    };
    for (const stream of [program.child.stdout, program.child.stderr]) {
      let rest = "";
      const onData = (d: Buffer) => {
        const lines = (rest + d.toString()).split("\n");
        rest = lines.pop() ?? "";
        for (const line of lines) {
          const j = jsonLine(line);
          const v = j === undefined ? undefined : pick(j);
          if (v !== undefined) {
            done();
            resolve(v);
            return;
          }
        }
      };
      stream?.on("data", onData);
      offs.push(() => stream?.off("data", onData));
    }
    const onExit = () => {
      done();
      reject(new Error("the program exited before the line came"));
    };
    program.child.once("exit", onExit);
    offs.push(() => program.child.off("exit", onExit));
  });
}

/** The latest pairing code `program` printed for `instanceId`. */
export function pairingCode(program: RunningProgram<unknown>, instanceId: string): Promise<string> {
  const printed = program.output
    .map((l) => jsonLine(l))
    .filter((j) => j?.msg === "pairing code" && j.instance_id === instanceId);
  const last = printed.at(-1);
  if (last !== undefined) return Promise.resolve(String(last.pairing_code));
  return nextLine(program, (j) =>
    j.msg === "pairing code" && j.instance_id === instanceId ? String(j.pairing_code) : undefined,
  );
}

/**
 * The process ID of the program itself. `startProgram` runs programs through
 * tsx, which runs the program in a child process of its own; signals that
 * can't be relayed (SIGSTOP, SIGKILL) must go to that child.
 */
export function programPid(program: RunningProgram<unknown>): number {
  const pid = program.child.pid;
  if (pid === undefined) throw new Error("the program has no process");
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/);
  const child = Number(children[0]);
  return Number.isInteger(child) && child > 0 ? child : pid;
}
