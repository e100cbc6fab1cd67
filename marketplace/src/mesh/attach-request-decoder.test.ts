import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { AttachRequestSchema } from "@eddie-marketplace/gen";
import { describe, expect, it } from "vitest";
import { decodeAttachRequest } from "./attach-request-decoder.js";

const wire = (init: Parameters<typeof create<typeof AttachRequestSchema>>[1]) =>
  Buffer.from(toBinary(AttachRequestSchema, create(AttachRequestSchema, init)));

describe("decoding what instances send", () => {
  const samples = [
    wire({ message: { case: "queryAnswer", value: { queryId: "3f1c0b7e-query", match: true } } }),
    wire({ message: { case: "queryAnswer", value: { queryId: "q-é-unicode", match: false } } }),
    wire({ message: { case: "queryAnswer", value: { queryId: "", match: false } } }),
    wire({ message: { case: "queryAnswer", value: { queryId: "x".repeat(300), match: true } } }),
    wire({ message: { case: "pong", value: { nonce: 0n } } }),
    wire({ message: { case: "pong", value: { nonce: 123_456_789n } } }),
    wire({ message: { case: "permissionAck", value: { permissionId: "p1", accepted: true } } }),
    wire({ message: { case: "hello", value: { instanceId: "i", proof: "p" } } }),
  ];

  it("gives the same message as the full decoder", () => {
    for (const bytes of samples) {
      expect(decodeAttachRequest(bytes)).toEqual(fromBinary(AttachRequestSchema, bytes));
    }
  });

  it("falls back to the full decoder (and its errors) on anything unexpected", () => {
    const truncated = samples[0]?.subarray(0, 6) as Buffer;
    expect(() => decodeAttachRequest(truncated)).toThrow();
    const withUnknownField = Buffer.concat([samples[0] as Buffer]);
    withUnknownField[1] = (withUnknownField[1] as number) + 2;
    const padded = Buffer.concat([withUnknownField, Buffer.from([0x18, 0x01])]);
    expect(decodeAttachRequest(padded)).toEqual(fromBinary(AttachRequestSchema, padded));
  });
});
