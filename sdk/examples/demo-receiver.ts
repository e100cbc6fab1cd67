// An example receiver, and the demo eligible party's as `npm start` runs it: an IngestService
// on RECEIVER_PORT that checks grants against the Marketplace at
// MARKETPLACE_URL and prints one JSON line per accepted batch of records.
import { startIngestReceiver } from "@eddie-marketplace/sdk/receiver";

const env = process.env;
const port = Number(env.RECEIVER_PORT ?? "50061");
const host = env.RECEIVER_HOST ?? "127.0.0.1";
const marketplace = env.MARKETPLACE_URL ?? "http://127.0.0.1:8080";
const organisation = env.RECEIVER_ORGANISATION_ID;
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write("receiver: bad configuration: RECEIVER_PORT: give a port number\n");
  process.exit(2);
}
const print = (fields: Record<string, unknown>) =>
  process.stdout.write(
    `${JSON.stringify({ time: new Date().toISOString(), service: "receiver", ...fields })}\n`,
  );

const receiver = await startIngestReceiver({
  organisationId: organisation ? organisation : { pinFirst: true },
  marketplace,
  host,
  port,
  onRefused: (r) => print({ level: "warn", msg: "delivery refused", ...r }),
});
print({
  level: "info",
  msg: "listening",
  port: receiver.port,
  marketplace,
  organisation_id: organisation ?? "(the first grant's)",
});

const abort = new AbortController();
let batch:
  | {
      permission: string;
      instance: string;
      count: number;
      first_received_at: string;
      last_received_at: string;
    }
  | undefined;
const flush = () => {
  if (batch) print({ level: "info", msg: "records received", ...batch });
  batch = undefined;
};
const timer = setInterval(flush, 1000);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    abort.abort();
    clearInterval(timer);
    flush();
    await receiver.close();
    print({ level: "info", msg: "stopped" });
    process.exit(0);
  });
}
for await (const record of receiver.records(abort.signal)) {
  if (batch && (batch.permission !== record.permissionId || batch.instance !== record.instanceId)) {
    flush();
  }
  const at = record.receivedAt.toISOString();
  batch ??= {
    permission: record.permissionId,
    instance: record.instanceId,
    count: 0,
    first_received_at: at,
    last_received_at: at,
  };
  batch.count++;
  batch.last_received_at = at;
}
