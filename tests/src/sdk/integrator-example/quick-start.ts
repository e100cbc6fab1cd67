// An eligible party's backend as an integrator writes it with the published
// SDK: start the receiver for delivered data, create and publish a data
// request, search the AIIDA instances, ask access for the matches, follow the
// households' decisions and receive the data. The package test copies this
// file into an empty project outside the repository, typechecks it against
// the packed SDK and runs it against the system.
//
// Reads MARKETPLACE_URL, OIDC_ISSUER, EDDIE_CLIENT_ID, EDDIE_CLIENT_SECRET,
// COUNTRY (AT) and RECORDS (how many records to wait for, 3); prints one JSON
// line per step.
import {
  Asset,
  Code,
  ConnectError,
  clientCredentials,
  createMarketplaceClient,
  type DataRequestInit,
  describeObis,
  type IngestReceiver,
  ObisCode,
  PermissionState,
  publishDataRequest,
  type ReceivedRecord,
  requestAccess,
  Schema,
  search,
  startIngestReceiver,
} from "@eddie-marketplace/sdk";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
}

function say(step: string, details: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ step, ...details }));
}

const marketplaceUrl = env("MARKETPLACE_URL");
const mp = createMarketplaceClient({
  baseUrl: marketplaceUrl,
  tokenProvider: clientCredentials({
    issuer: env("OIDC_ISSUER"),
    clientId: env("EDDIE_CLIENT_ID"),
    clientSecret: env("EDDIE_CLIENT_SECRET"),
  }),
});

function wanted(deliveryEndpoint: string): DataRequestInit {
  return {
    dataNeed: {
      name: "Heat pump optimisation",
      description: "We shift your heat pump to the cheap hours of the day.",
      purpose: "Optimising the household's heat pump schedule",
      policyLink: "https://ep.example.com/privacy",
      duration: { kind: { case: "relative", value: { start: "P0D", end: "P30D" } } },
      transmissionSchedule: "*/5 * * * * *",
      schemas: [Schema.SMART_METER_P1_RAW],
      asset: Asset.CONNECTION_AGREEMENT_POINT,
      dataTags: [ObisCode.POSITIVE_ACTIVE_ENERGY],
    },
    countries: [process.env.COUNTRY ?? "AT"],
    deliveryEndpoint,
  };
}

const stop = new AbortController();
let receiver: IngestReceiver | undefined;
try {
  const { account } = await mp.account.getMe({});
  const organisation = account?.organisation;
  if (!organisation) throw new Error("this API client acts for no organisation");
  say("signed-in", { organisation: organisation.name });

  // The receiver checks each delivery's grant against the Marketplace's keys.
  receiver = await startIngestReceiver({
    organisationId: organisation.id,
    marketplace: marketplaceUrl,
    host: "127.0.0.1",
    port: 0,
  });
  const wantRecords = Number(process.env.RECORDS ?? "3");
  const received: Promise<ReceivedRecord[]> = (async () => {
    const got: ReceivedRecord[] = [];
    if (wantRecords === 0) return got;
    for await (const record of receiver.records(stop.signal)) {
      got.push(record);
      say("record", {
        instanceId: record.instanceId,
        tag: describeObis(record.dataTag).code,
        value: record.value,
        unit: describeObis(record.dataTag).unit,
      });
      if (got.length >= wantRecords) break;
    }
    return got;
  })();

  const request = await publishDataRequest(mp, wanted(`http://127.0.0.1:${receiver.port}`));
  say("published", {
    id: request.id,
    tags: request.dataNeed?.dataTags.map((t) => describeObis(t).code) ?? [],
  });

  const run = search(mp, request.id, { timeoutMs: 5_000 });
  for await (const match of run.matches()) say("match", { instanceId: match.instanceId });
  const summary = await run.summary;
  say("searched", { runId: summary.id, matched: summary.counts?.matched ?? 0 });

  const asked = await requestAccess(mp, summary.id);
  say("asked", { requestsSent: asked.requestsSent, permissions: asked.permissions.length });
  if (asked.permissions.length === 0) throw new Error("no household matched");

  let active = 0;
  for await (const { permission } of asked.decisions()) {
    say("decision", {
      permissionId: permission.id,
      state: PermissionState[permission.state],
      reason: permission.reason,
    });
    if (permission.state === PermissionState.ACTIVE) active += 1;
  }
  if (active === 0) throw new Error("no household's permission became active");
  const records = await received;
  say("done", { records: records.length });
} catch (err) {
  const e = ConnectError.from(err);
  say("failed", { code: Code[e.code], message: e.rawMessage });
  process.exitCode = 1;
} finally {
  stop.abort();
  await receiver?.close();
}
