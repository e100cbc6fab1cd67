import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { durationMs, timestampDate } from "@bufbuild/protobuf/wkt";
import type { DataSource } from "@eddie-marketplace/gen";
import { assetName, dataSourceTypeName, tryDescribeObis } from "@eddie-marketplace/sdk/vocabulary";
import QRCode from "qrcode";
import type { LinkStatus } from "../link/marketplace-link.js";

/** What the status page needs of an instance (an `StatusView` is one). */
export interface StatusView {
  readonly identity: { readonly instanceId: string };
  readonly profile: string;
  readonly sources: { readonly dataSources: readonly DataSource[] };
  readonly link: { readonly status: LinkStatus };
}

/** The instances a status server shows. */
export interface StatusDirectory {
  /** The software version. */
  readonly version: string;
  /** Every instance, in start order. */
  list(): readonly StatusView[];
  /** The instance with this ID, if any. */
  get(instanceId: string): StatusView | undefined;
}

/** A running status server. */
export interface StatusServer {
  readonly port: number;
  /** The base URL, ending in "/". */
  readonly url: string;
  /** The page of one instance. */
  instanceUrl(instanceId: string): string;
  close(): Promise<void>;
}

/** An instance's status as `status.json` gives it. */
export interface InstanceStatusJson {
  instance_id: string;
  version: string;
  profile: string;
  state: string;
  claimed: boolean | null;
  pairing_code: string | null;
  pairing_code_expires_at: string | null;
  /** What the QR code holds: "aiida:<instance ID>:<pairing code>". */
  pairing_uri: string | null;
  attempts: number;
  last_error: string | null;
  data_sources: Record<string, unknown>[];
}

/**
 * The text a Customer Mobile App scans to claim an instance:
 * `aiida:<instance ID>:<pairing code>`.
 */
export function pairingUri(instanceId: string, code: string): string {
  return `aiida:${instanceId}:${code}`;
}

/**
 * Serves the local status page the household opens: the instance's ID, its
 * connection, whether it is claimed, and the pairing code with a QR code to
 * scan into the Customer Mobile App. With one instance `/` is its page; with
 * a swarm `/` lists them and each has `/nodes/<ID>`. Every page has a JSON
 * twin (`status.json`); `/nodes.json` lists all instances.
 *
 * Routes: `/`, `/status.json`, `/qr.svg`, `/nodes.json`, `/nodes/<ID>`,
 * `/nodes/<ID>/status.json`, `/nodes/<ID>/qr.svg`.
 */
export async function startStatusServer(options: {
  host: string;
  port: number;
  directory: StatusDirectory;
  /** The URL others reach this server at; defaults to http://host:port/. */
  publicUrl?: string;
}): Promise<StatusServer> {
  const { directory } = options;
  const server = createServer((req, res) => {
    handle(req, res, directory).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, "text/plain", `status page failed: ${String(err)}`);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host;
  const url = (options.publicUrl ?? `http://${host}:${port}`).replace(/\/?$/, "/");
  return {
    port,
    url,
    instanceUrl: (id) => `${url}nodes/${id}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, directory: StatusDirectory) {
  if (req.method !== "GET" && req.method !== "HEAD") {
    send(res, 405, "text/plain", "only GET\n");
    return;
  }
  const path = new URL(req.url ?? "/", "http://status").pathname;
  const all = directory.list();
  const single = all.length === 1 ? all[0] : undefined;
  if (path === "/nodes.json") {
    sendJson(
      res,
      all.map((i) => statusJson(i, directory.version)),
    );
    return;
  }
  const nodePath = /^\/nodes\/([0-9a-f-]{36})(\/status\.json|\/qr\.svg)?$/.exec(path);
  const instance = nodePath ? directory.get(nodePath[1] ?? "") : single;
  const rest = nodePath ? (nodePath[2] ?? "") : path === "/" ? "" : path;
  if (!nodePath && !single) {
    if (path === "/") send(res, 200, "text/html; charset=utf-8", listPage(all));
    else if (path === "/status.json") sendJson(res, summary(all));
    else send(res, 404, "text/plain", "not found\n");
    return;
  }
  if (!instance) {
    send(res, 404, "text/plain", "no such instance here\n");
    return;
  }
  const status = statusJson(instance, directory.version);
  if (rest === "/status.json") sendJson(res, status);
  else if (rest === "/qr.svg") {
    if (!status.pairing_uri) send(res, 404, "text/plain", "no pairing code right now\n");
    else send(res, 200, "image/svg+xml", await qrSvg(status.pairing_uri));
  } else if (rest === "") send(res, 200, "text/html; charset=utf-8", await instancePage(status));
  else send(res, 404, "text/plain", "not found\n");
}

/** An instance's status, as JSON. */
export function statusJson(instance: StatusView, version: string): InstanceStatusJson {
  const s = instance.link.status;
  const code = s.pairingCode;
  return {
    instance_id: instance.identity.instanceId,
    version,
    profile: instance.profile,
    state: s.state,
    claimed: s.claimed ?? null,
    pairing_code: code?.code ?? null,
    pairing_code_expires_at: code?.expiresAt?.toISOString() ?? null,
    pairing_uri: code ? pairingUri(instance.identity.instanceId, code.code) : null,
    attempts: s.attempts,
    last_error: s.lastError ?? null,
    data_sources: instance.sources.dataSources.map(sourceJson),
  };
}

function sourceJson(s: DataSource): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    type: nameOr(s.type, dataSourceTypeName),
    asset: nameOr(s.asset, assetName),
    country: s.country,
    data_tags: s.dataTags.map((t) => tryDescribeObis(t)?.code ?? String(t)),
    sampling_interval_seconds: s.samplingInterval ? durationMs(s.samplingInterval) / 1000 : null,
    history_start: s.historyStart ? timestampDate(s.historyStart).toISOString() : null,
    enabled: s.enabled,
  };
}

/** The AIIDA name of an enum value, or its number when the contracts name none. */
function nameOr<E extends number>(value: E, name: (value: E) => string): string {
  try {
    return name(value);
  } catch {
    return String(value);
  }
}

function summary(all: readonly StatusView[]) {
  const states: Record<string, number> = {};
  let claimed = 0;
  for (const i of all) {
    states[i.link.status.state] = (states[i.link.status.state] ?? 0) + 1;
    if (i.link.status.claimed) claimed++;
  }
  return { count: all.length, states, claimed };
}

function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
}

async function instancePage(s: InstanceStatusJson): Promise<string> {
  const qr = s.pairing_uri ? await qrSvg(s.pairing_uri) : "";
  const claim = s.claimed
    ? "<p>Claimed by a customer.</p>"
    : s.pairing_code
      ? `<p>Pairing code: <strong class="code">${escapeHtml(s.pairing_code)}</strong>${
          s.pairing_code_expires_at ? ` (until ${escapeHtml(s.pairing_code_expires_at)})` : ""
        }</p><p>Scan it in the Customer Mobile App, or type the ID and the code.</p><div class="qr">${qr}</div>`
      : "<p>Not claimed; waiting for a pairing code from the Marketplace.</p>";
  const sources = s.data_sources
    .map(
      (d) =>
        `<li>${escapeHtml(String(d.name))} (${escapeHtml(String(d.type))}, ${escapeHtml(String(d.asset))}, ${escapeHtml(
          String(d.country),
        )})${d.enabled ? "" : " — switched off"}</li>`,
    )
    .join("");
  return page(
    `AIIDA ${s.instance_id}`,
    `<h1>AIIDA instance</h1>
<p>ID: <code>${escapeHtml(s.instance_id)}</code></p>
<p>Marketplace: <strong>${escapeHtml(s.state)}</strong>${s.last_error ? ` (${escapeHtml(s.last_error)})` : ""}</p>
${claim}
<h2>Data sources</h2><ul>${sources}</ul>
<p class="small">Version ${escapeHtml(s.version)} · <a href="status.json">status.json</a></p>`,
  );
}

function listPage(all: readonly StatusView[]): string {
  const shown = all.slice(0, 500);
  const rows = shown
    .map((i) => {
      const s = i.link.status;
      const id = escapeHtml(i.identity.instanceId);
      return `<tr><td><a href="/nodes/${id}">${id}</a></td><td>${escapeHtml(i.profile)}</td><td>${escapeHtml(
        s.state,
      )}</td><td>${s.claimed ? "yes" : "no"}</td><td>${escapeHtml(s.pairingCode?.code ?? "")}</td></tr>`;
    })
    .join("");
  const more = all.length > shown.length ? `<p>and ${all.length - shown.length} more</p>` : "";
  return page(
    "AIIDA instances",
    `<h1>${all.length} simulated AIIDA instances</h1>
<table><tr><th>ID</th><th>profile</th><th>Marketplace</th><th>claimed</th><th>pairing code</th></tr>${rows}</table>${more}
<p class="small"><a href="/nodes.json">nodes.json</a> · <a href="/status.json">status.json</a></p>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="5"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:48rem}.code{font-size:1.6rem;letter-spacing:.1em}
.qr svg{width:14rem;height:14rem}.small{color:#666;font-size:.85rem}td,th{padding:.2rem .6rem;text-align:left}</style>
</head><body>${body}</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

function sendJson(res: ServerResponse, value: unknown): void {
  send(res, 200, "application/json", `${JSON.stringify(value)}\n`);
}
