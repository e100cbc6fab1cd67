// Simulated AIIDA instances for the search benchmark, many in one process:
// each holds its own HTTP/2 connection (raw node:http2 speaking gRPC framing,
// far lighter than a grpc-js channel per instance), registers with a real
// hello proof, answers every query and pong. Run by search.bench.ts through
// fork(); it is told what to do over the IPC channel.
import { generateKeyPairSync, randomUUID, sign } from "node:crypto";
import * as http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { AttachRequestSchema, AttachResponseSchema } from "@eddie-marketplace/gen";

/** What the bench tells this process. */
export type NodesCommand = {
  cmd: "connect";
  target: string;
  n: number;
  /** Every `matchEvery`-th instance answers "match", the rest "no match". */
  matchEvery: number;
  concurrency: number;
};

/** What this process tells the bench. */
export type NodesReport =
  | { type: "connected"; codes: [string, string][]; ms: number }
  | { type: "error"; message: string };

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

function identity() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const instanceId = randomUUID();
  const jwk = publicKey.export({ format: "jwk" });
  const now = Math.floor(Date.now() / 1000);
  const signingInput = `${b64url(JSON.stringify({ alg: "EdDSA" }))}.${b64url(
    JSON.stringify({
      iss: instanceId,
      sub: instanceId,
      aud: "eddie-marketplace",
      iat: now,
      exp: now + 290,
    }),
  )}`;
  const proof = `${signingInput}.${b64url(sign(null, Buffer.from(signingInput), privateKey))}`;
  return { instanceId, publicKeyJwk: JSON.stringify(jwk), proof };
}

function frame(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + bytes.length);
  out[0] = 0;
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
}

/** One simulated instance: connects, says hello, resolves with its pairing code. */
function connectOne(target: string, match: boolean): Promise<[string, string]> {
  const id = identity();
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${target}`);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": "/eddie.aiida.v1.AiidaService/Attach",
      "content-type": "application/grpc",
      te: "trailers",
    });
    let pending: Buffer = Buffer.alloc(0);
    stream.on("data", (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 5) {
        const len = pending.readUInt32BE(1);
        if (pending.length < 5 + len) break;
        const message = fromBinary(AttachResponseSchema, pending.subarray(5, 5 + len)).message;
        pending = pending.subarray(5 + len);
        switch (message.case) {
          case "welcome":
            resolve([id.instanceId, message.value.pairingCode?.code ?? ""]);
            break;
          case "query":
            stream.write(
              frame(
                toBinary(
                  AttachRequestSchema,
                  create(AttachRequestSchema, {
                    message: {
                      case: "queryAnswer",
                      value: { queryId: message.value.queryId, match },
                    },
                  }),
                ),
              ),
            );
            break;
          case "ping":
            stream.write(
              frame(
                toBinary(
                  AttachRequestSchema,
                  create(AttachRequestSchema, {
                    message: { case: "pong", value: { nonce: message.value.nonce } },
                  }),
                ),
              ),
            );
            break;
          default:
        }
      }
    });
    stream.on("error", reject);
    stream.on("close", () => reject(new Error(`stream closed: ${stream.rstCode}`)));
    stream.write(
      frame(
        toBinary(
          AttachRequestSchema,
          create(AttachRequestSchema, {
            message: {
              case: "hello",
              value: {
                instanceId: id.instanceId,
                version: "bench-1.0",
                advertisedAddress: "http://192.168.1.20:8090/",
                publicKeyJwk: id.publicKeyJwk,
                proof: id.proof,
              },
            },
          }),
        ),
      ),
    );
  });
}

async function connectAll(c: NodesCommand): Promise<void> {
  const started = performance.now();
  const codes: [string, string][] = [];
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= c.n) return;
      codes.push(await connectOne(c.target, i % c.matchEvery === 0));
    }
  };
  await Promise.all(Array.from({ length: Math.min(c.concurrency, c.n) }, worker));
  send({ type: "connected", codes, ms: performance.now() - started });
}

function send(report: NodesReport): void {
  process.send?.(report);
}

process.on("message", (m: NodesCommand) => {
  if (m.cmd === "connect") {
    connectAll(m).catch((err: unknown) => send({ type: "error", message: String(err) }));
  }
});
process.on("disconnect", () => process.exit(0));
