import { fromBinary } from "@bufbuild/protobuf";
import { type AttachRequest, AttachRequestSchema } from "@eddie-marketplace/gen";

// Wire tags: AttachRequest.query_answer = 3 and .pong = 6 (length-delimited);
// QueryAnswer.query_id = 1 (length-delimited), .match = 2 (varint);
// Pong.nonce = 1 (varint).
const queryAnswerTag = 0x1a;
const pongTag = 0x32;

/**
 * Decodes an AttachRequest from the wire. Query answers and pongs, which every
 * instance sends on every search and ping, are read directly; anything else,
 * and anything unexpected in those two, goes through the full protobuf-es
 * decoder. The result is the same message either way.
 */
export function decodeAttachRequest(bytes: Buffer): AttachRequest {
  const first = bytes[0];
  if (first === queryAnswerTag) {
    const fast = queryAnswer(bytes);
    if (fast !== undefined) return fast;
  } else if (first === pongTag) {
    const fast = pong(bytes);
    if (fast !== undefined) return fast;
  }
  return fromBinary(AttachRequestSchema, bytes);
}

function queryAnswer(b: Buffer): AttachRequest | undefined {
  const outer = varint(b, 1);
  if (outer === undefined || outer.next + outer.value !== b.length) return undefined;
  let at = outer.next;
  let queryId = "";
  let match = false;
  while (at < b.length) {
    const tag = b[at++];
    if (tag === 0x0a) {
      const len = varint(b, at);
      if (len === undefined || len.next + len.value > b.length) return undefined;
      queryId = b.toString("utf8", len.next, len.next + len.value);
      at = len.next + len.value;
    } else if (tag === 0x10) {
      const v = varint(b, at);
      if (v === undefined) return undefined;
      match = v.value !== 0;
      at = v.next;
    } else return undefined;
  }
  return {
    $typeName: "eddie.aiida.v1.AttachRequest",
    message: {
      case: "queryAnswer",
      value: { $typeName: "eddie.aiida.v1.QueryAnswer", queryId, match },
    },
  };
}

function pong(b: Buffer): AttachRequest | undefined {
  const outer = varint(b, 1);
  if (outer === undefined || outer.next + outer.value !== b.length) return undefined;
  let nonce = 0n;
  if (outer.value > 0) {
    if (b[outer.next] !== 0x08) return undefined;
    const v = varint(b, outer.next + 1);
    if (v === undefined || v.next !== b.length) return undefined;
    nonce = BigInt(v.value);
  }
  return {
    $typeName: "eddie.aiida.v1.AttachRequest",
    message: { case: "pong", value: { $typeName: "eddie.aiida.v1.Pong", nonce } },
  };
}

/** A varint of up to 6 bytes (enough for lengths and ping nonces here). */
function varint(b: Buffer, at: number): { value: number; next: number } | undefined {
  let value = 0;
  let shift = 1;
  for (let i = at; i < b.length && i < at + 6; i++) {
    const byte = b[i] as number;
    value += (byte & 0x7f) * shift;
    if (byte < 0x80) return { value, next: i + 1 };
    shift *= 128;
  }
  return undefined;
}
