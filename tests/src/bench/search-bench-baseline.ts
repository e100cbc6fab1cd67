// The baseline of the search benchmark: a plain grpc-js bidi fan-out with no
// application logic. Same server options as the Marketplace's node listener,
// same method path and the same simulated instances; it answers each hello
// with a welcome, and on command writes the same query bytes to every stream
// and waits until every stream has sent one message back. Run through fork().
import * as grpc from "@grpc/grpc-js";

/** What the bench tells this process. */
export type BaselineCommand = { cmd: "listen" } | { cmd: "fanout"; query: string; expect: number };

/** What this process tells the bench. */
export type BaselineReport =
  | { type: "listening"; port: number }
  | { type: "fanout"; ms: number; answers: number }
  | { type: "error"; message: string };

/** A fan-out not answered by every stream in this time fails the bench instead of hanging it. */
const fanoutDeadlineMs = 60_000;

const passthrough = {
  path: "/eddie.aiida.v1.AiidaService/Attach",
  requestStream: true,
  responseStream: true,
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
};

// AttachResponse{welcome{claimed: true}}: field 1, length 2, field 1 varint 1.
const welcome = Buffer.from([0x0a, 0x02, 0x08, 0x01]);

const streams: grpc.ServerDuplexStream<Buffer, Buffer>[] = [];
let onAnswer: (() => void) | undefined;

const server = new grpc.Server({
  "grpc.max_receive_message_length": 4 * 1024 * 1024,
  "grpc.max_send_message_length": 4 * 1024 * 1024,
  "grpc.keepalive_time_ms": 45_000,
  "grpc.keepalive_timeout_ms": 20_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.http2.min_ping_interval_without_data_ms": 10_000,
  "grpc.max_concurrent_streams": 16,
  "grpc.enable_channelz": 0,
});
server.addService({ attach: passthrough } as grpc.ServiceDefinition, {
  attach(call: grpc.ServerDuplexStream<Buffer, Buffer>) {
    let hello = true;
    call.on("data", () => {
      if (hello) {
        hello = false;
        streams.push(call);
        call.write(welcome);
        return;
      }
      onAnswer?.();
    });
    call.on("error", () => {});
  },
});

function send(report: BaselineReport): void {
  process.send?.(report);
}

process.on("message", (m: BaselineCommand) => {
  if (m.cmd === "listen") {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) throw err;
      send({ type: "listening", port });
    });
    return;
  }
  const bytes = Buffer.from(m.query, "base64");
  const started = performance.now();
  let answers = 0;
  const deadline = setTimeout(() => {
    onAnswer = undefined;
    send({
      type: "error",
      message: `baseline fan-out: ${answers} of ${m.expect} streams answered in ${fanoutDeadlineMs} ms`,
    });
  }, fanoutDeadlineMs);
  onAnswer = () => {
    answers++;
    if (answers === m.expect) {
      onAnswer = undefined;
      clearTimeout(deadline);
      send({ type: "fanout", ms: performance.now() - started, answers });
    }
  };
  for (const call of streams) call.write(bytes);
});
process.on("disconnect", () => {
  server.forceShutdown();
  process.exit(0);
});
