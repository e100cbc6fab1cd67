// An eligible party's backend as an integrator writes it with the published
// SDK: create and publish a data request, search the AIIDA instances, ask
// access for the matches and follow the households' decisions. The package
// test copies this file into an empty project outside the repository,
// typechecks it against the packed SDK and runs it against the system.
//
// Reads MARKETPLACE_URL, OIDC_ISSUER, EDDIE_CLIENT_ID, EDDIE_CLIENT_SECRET and
// DELIVERY_ENDPOINT; prints one JSON line per step.
import {
  Asset,
  ConnectError,
  clientCredentials,
  createMarketplaceClient,
  type DataRequestInit,
  describeObis,
  ObisCode,
  PermissionState,
  publishDataRequest,
  requestAccess,
  Schema,
  search,
} from "@eddie-marketplace/sdk";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
}

function say(step: string, details: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ step, ...details }));
}

const mp = createMarketplaceClient({
  baseUrl: env("MARKETPLACE_URL"),
  tokenProvider: clientCredentials({
    issuer: env("OIDC_ISSUER"),
    clientId: env("EDDIE_CLIENT_ID"),
    clientSecret: env("EDDIE_CLIENT_SECRET"),
  }),
});

const wanted: DataRequestInit = {
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
  deliveryEndpoint: env("DELIVERY_ENDPOINT"),
};

try {
  const { account } = await mp.account.getMe({});
  say("signed-in", { organisation: account?.organisation?.name ?? "" });

  const request = await publishDataRequest(mp, wanted);
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

  for await (const { permission } of asked.decisions()) {
    say("decision", { permissionId: permission.id, state: PermissionState[permission.state] });
  }
  say("done");
} catch (err) {
  const e = ConnectError.from(err);
  say("failed", { code: e.code, message: e.rawMessage });
  process.exitCode = 1;
}
