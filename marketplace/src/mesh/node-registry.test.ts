import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { type AttachCall, NodeLink, NodeRegistry } from "./node-registry.js";

/** Stands in for a grpc-js stream whose peer reads nothing: writes pile up. */
function stalledCall() {
  const written: Buffer[] = [];
  const emitted: unknown[] = [];
  const call = {
    get writableLength() {
      return written.length;
    },
    write(b: Buffer) {
      written.push(b);
      return false;
    },
    emit(_event: string, value: unknown) {
      emitted.push(value);
      return true;
    },
    end() {},
  };
  return { call: call as unknown as AttachCall, written, emitted };
}

describe("the node registry", () => {
  it("refuses writes to a stream whose buffer is full instead of buffering more", () => {
    const { call, written } = stalledCall();
    const link = new NodeLink("i-1", "127.0.0.1", call, true, 3);
    const registry = new NodeRegistry();
    registry.attach(link);
    const ping = { message: { case: "ping" as const, value: { nonce: 1n } } };
    expect([1, 2, 3, 4, 5].map(() => registry.send("i-1", ping))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(written).toHaveLength(3);
  });

  it("answers false for an instance that is not attached", () => {
    expect(
      new NodeRegistry().send("nobody", { message: { case: "ping", value: { nonce: 1n } } }),
    ).toBe(false);
  });

  it("tells listeners when a stream is replaced by a newer one, and closes the older", () => {
    const registry = new NodeRegistry();
    const attached: string[] = [];
    const detached: string[] = [];
    registry.onAttach((id) => attached.push(id));
    registry.onDetach((id) => detached.push(id));
    const old = stalledCall();
    const first = new NodeLink("i-2", "127.0.0.1", old.call, false, 8);
    registry.attach(first);
    registry.attach(new NodeLink("i-2", "127.0.0.1", stalledCall().call, false, 8));
    expect(attached).toEqual(["i-2", "i-2"]);
    expect(detached).toEqual(["i-2"]);
    expect(old.emitted).toEqual([{ code: status.ABORTED, details: expect.any(String) }]);
    expect(registry.detach(first)).toBe(false);
    expect(registry.isOnline("i-2")).toBe(true);
  });
});
