import { setImmediate as nextTurn } from "node:timers/promises";
import { create } from "@bufbuild/protobuf";
import { QuerySchema } from "@eddie-marketplace/gen";
import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { type AttachCall, NodeLink, NodeRegistry } from "../mesh/node-registry.js";
import { RegistryFanout } from "./registry-fanout.js";

/** A stream that takes every write; `written` counts them. */
function openCall() {
  const state = { written: 0 };
  const call = {
    writableLength: 0,
    write() {
      state.written++;
      return true;
    },
    emit() {
      return true;
    },
    end() {},
  };
  return { call: call as unknown as AttachCall, state };
}

/** `claimed` claimed instances and `unclaimed` others, attached to a fresh registry. */
function mesh(claimed: number, unclaimed = 0) {
  const registry = new NodeRegistry();
  const fanout = new RegistryFanout(registry);
  const nodes = Array.from({ length: claimed + unclaimed }, (_, i) => {
    const { call, state } = openCall();
    const link = new NodeLink(`i-${i}`, "127.0.0.1", call, i < claimed, 8);
    registry.attach(link);
    return { link, state };
  });
  return { registry, fanout, nodes };
}

function recorder() {
  const answered: string[] = [];
  const lost: string[] = [];
  return {
    answered,
    lost,
    handlers: {
      answer: (id: string) => answered.push(id),
      lost: (id: string) => lost.push(id),
    },
  };
}

const query = (queryId: string) => create(QuerySchema, { queryId });
const answer = (queryId: string) => ({
  case: "queryAnswer" as const,
  value: { $typeName: "eddie.aiida.v1.QueryAnswer" as const, queryId, match: true },
});
const inAMinute = () => Date.now() + 60_000;
const written = (nodes: ReturnType<typeof mesh>["nodes"]) =>
  nodes.filter((n) => n.state.written > 0).length;

describe("the fan-out over the node streams", () => {
  it("writes the query a slice of streams per turn, and reads answers from the first slice meanwhile", async () => {
    const { registry, fanout, nodes } = mesh(40, 3);
    const r = recorder();
    const run = fanout.start(query("q-1"), inAMinute(), r.handlers, new AbortController().signal);
    expect(run.asked).toBe(40);
    const first = written(nodes);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(40);

    registry.received(nodes[0]!.link, answer("q-1"));
    expect(r.answered).toEqual(["i-0"]);

    while (written(nodes) < 40) await nextTurn();
    expect(nodes.slice(40).every((n) => n.state.written === 0)).toBe(true);
    for (const n of nodes.slice(1, 40)) registry.received(n.link, answer("q-1"));
    await expect(run.done).resolves.toBe("all_answered");
    expect(r.answered).toHaveLength(40);
    expect(r.lost).toEqual([]);
  });

  it("ignores an answer from an instance whose slice is not written yet", async () => {
    const { registry, fanout, nodes } = mesh(40);
    const r = recorder();
    const run = fanout.start(query("q-2"), inAMinute(), r.handlers, new AbortController().signal);
    const last = nodes[39]!;
    expect(last.state.written).toBe(0);
    registry.received(last.link, answer("q-2"));
    expect(r.answered).toEqual([]);

    while (last.state.written === 0) await nextTurn();
    for (const n of nodes) registry.received(n.link, answer("q-2"));
    await expect(run.done).resolves.toBe("all_answered");
    expect(r.answered).toHaveLength(40);
  });

  it("reports an instance whose stream closed before its slice once, as lost, and still ends", async () => {
    const { registry, fanout, nodes } = mesh(40);
    const r = recorder();
    const run = fanout.start(query("q-3"), inAMinute(), r.handlers, new AbortController().signal);
    const gone = nodes[39]!.link;
    gone.close(status.UNAVAILABLE, "gone");
    registry.detach(gone);

    while (written(nodes) < 39) await nextTurn();
    for (const n of nodes) registry.received(n.link, answer("q-3"));
    await expect(run.done).resolves.toBe("all_answered");
    expect(r.lost).toEqual(["i-39"]);
    expect(r.answered).toHaveLength(39);
  });

  it("writes no further slices once cancelled", async () => {
    const { fanout, nodes } = mesh(40);
    const abort = new AbortController();
    const run = fanout.start(query("q-4"), inAMinute(), recorder().handlers, abort.signal);
    const first = written(nodes);
    abort.abort();
    await expect(run.done).resolves.toBe("cancelled");
    for (let i = 0; i < 5; i++) await nextTurn();
    expect(written(nodes)).toBe(first);
  });

  it("ends at once when no claimed instance is connected", async () => {
    const { fanout } = mesh(0, 2);
    const run = fanout.start(
      query("q-5"),
      inAMinute(),
      recorder().handlers,
      new AbortController().signal,
    );
    expect(run.asked).toBe(0);
    await expect(run.done).resolves.toBe("all_answered");
  });
});
