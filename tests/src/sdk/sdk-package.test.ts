import { execFile } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  createMarketplaceClient,
  NotificationKind,
  staticToken,
  subscribe,
} from "@eddie-marketplace/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freshDatabaseUrl,
  signUp,
  startIam,
  startMarketplaceFor,
  type TestIam,
} from "../harness/iam.js";
import { jsonLine, type RunningProgram, startProgram } from "../harness/program.js";
import { launchBrowser } from "../web/browser.js";

// The published SDK as an integrator gets it: `npm pack` of the built
// package, installed into an empty project outside the repository, where an
// integrator's example must typecheck and run.
const run = promisify(execFile);
const repo = new URL("../../../", import.meta.url).pathname;
const example = new URL("./integrator-example/quick-start.ts", import.meta.url).pathname;
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

describe("the packed SDK in a fresh project", () => {
  let project: string;
  let tarball: string;
  let compiled: Promise<string> | undefined;

  /** Compiles the example (strict, library declarations checked) to out/; answers tsc's output. */
  function compileExample(): Promise<string> {
    compiled ??= (async () => {
      writeFileSync(
        join(project, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            module: "nodenext",
            moduleResolution: "nodenext",
            strict: true,
            noUncheckedIndexedAccess: true,
            verbatimModuleSyntax: true,
            skipLibCheck: false,
            types: ["node"],
            rootDir: "src",
            outDir: "out",
          },
          include: ["src"],
        }),
      );
      const tsc = join(project, "node_modules/typescript/bin/tsc");
      const result = await run(process.execPath, [tsc, "-p", project], { cwd: project }).catch(
        (err: { stdout?: string }) => ({ stdout: err.stdout ?? String(err) }),
      );
      return result.stdout;
    })();
    return compiled;
  }

  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), "sdk-integrator-"));
    const packed = await run(
      process.execPath,
      [`${repo}sdk/scripts/build-package.mjs`, "--pack", `--pack-destination=${project}`],
      { cwd: repo, maxBuffer: 16 * 1024 * 1024 },
    );
    tarball = packed.stdout.trim().split("\n").at(-1) ?? "";
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "ep-backend", private: true, type: "module" }, null, 2),
    );
    // The peers, the compiler and Node's types; from the npm cache when it
    // holds them (it does after the repository's own install).
    await run(
      "npm",
      [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        tarball,
        "@bufbuild/protobuf@2.13.0",
        "@connectrpc/connect@2.1.2",
        "typescript@6.0.3",
        "@types/node@20.19.43",
      ],
      { cwd: project, maxBuffer: 16 * 1024 * 1024 },
    );
    mkdirSync(join(project, "src"));
    copyFileSync(example, join(project, "src", "quick-start.ts"));
  }, 240_000);

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it("ships compiled ESM with declarations, the contracts bundled, and no workspace dependency", () => {
    const manifest = JSON.parse(
      readFileSync(join(project, "node_modules/@eddie-marketplace/sdk/package.json"), "utf8"),
    ) as Record<string, Record<string, unknown>>;
    expect(manifest.dependencies).not.toHaveProperty("@eddie-marketplace/gen");
    expect(Object.keys(manifest.peerDependencies ?? {}).sort()).toEqual([
      "@bufbuild/protobuf",
      "@connectrpc/connect",
    ]);
    expect(manifest.sideEffects).toBe(false);
    expect(JSON.stringify(manifest.exports)).not.toContain("/src/");
    const installed = readFileSync(
      join(project, "node_modules/@eddie-marketplace/sdk/dist/gen/index.js"),
      "utf8",
    );
    expect(installed).toContain("marketplace/v1/catalog_pb.js");
  });

  it("passes @arethetypeswrong/cli (ESM-only profile) for every entry point", async () => {
    const attw = `${repo}node_modules/@arethetypeswrong/cli/dist/index.js`;
    const result = await run(
      process.execPath,
      [attw, tarball, "--profile", "esm-only", "--format", "json"],
      { cwd: project, maxBuffer: 16 * 1024 * 1024 },
    );
    // A non-zero exit (a problem under the profile) rejects above; the
    // report must also be clean for ESM resolution in Node and bundlers.
    const report = JSON.parse(result.stdout) as {
      analysis: { problems: { kind: string; resolutionKind?: string }[] };
    };
    const counted = report.analysis.problems.filter(
      (p) => p.resolutionKind !== "node10" && p.resolutionKind !== "node16-cjs",
    );
    expect(counted).toEqual([]);
  }, 60_000);

  it("typechecks the integrator's example strictly, library declarations included", async () => {
    expect(await compileExample()).toBe("");
  }, 120_000);

  it("typechecks a browser app against the browser build without Node's types", async () => {
    mkdirSync(join(project, "web"), { recursive: true });
    writeFileSync(
      join(project, "web", "sign-in.ts"),
      [
        'import { beginSignIn, completeSignIn, createMarketplaceClient, userSession, type Notification, subscribe } from "@eddie-marketplace/sdk";',
        'const app = { issuer: "https://iam.example", clientId: "eddie-web", redirectUri: location.origin + "/callback" };',
        "export async function signIn(): Promise<void> {",
        "  const { url, pending } = await beginSignIn(app);",
        '  sessionStorage.setItem("signin", JSON.stringify(pending));',
        "  location.assign(url);",
        "}",
        "export async function callback(): Promise<Notification[]> {",
        '  const tokens = await completeSignIn(app, location.href, JSON.parse(sessionStorage.getItem("signin") ?? "{}"));',
        '  const mp = createMarketplaceClient({ baseUrl: "https://marketplace.example", tokenProvider: userSession(app, tokens) });',
        "  const seen: Notification[] = [];",
        "  for await (const n of subscribe(mp, { signal: AbortSignal.timeout(1000) })) seen.push(n);",
        "  return seen;",
        "}",
      ].join("\n"),
    );
    writeFileSync(
      join(project, "tsconfig.web.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "esnext",
          moduleResolution: "bundler",
          customConditions: ["browser"],
          lib: ["ES2023", "DOM", "DOM.Iterable"],
          types: [],
          strict: true,
          skipLibCheck: true,
          noEmit: true,
        },
        include: ["web"],
      }),
    );
    const tsc = join(project, "node_modules/typescript/bin/tsc");
    const result = await run(process.execPath, [tsc, "-p", "tsconfig.web.json"], {
      cwd: project,
    }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? String(err) }));
    expect(result.stdout).toBe("");
  }, 120_000);

  it("gives Node the connect-node build and browsers the fetch build from one import", async () => {
    const resolve = async (conditions: string[]) =>
      (
        await run(
          process.execPath,
          [
            ...conditions.map((c) => `--conditions=${c}`),
            "--input-type=module",
            "-e",
            'console.log(import.meta.resolve("@eddie-marketplace/sdk"))',
          ],
          { cwd: project },
        )
      ).stdout.trim();
    expect(await resolve([])).toMatch(/\/dist\/node\.js$/);
    expect(await resolve(["browser"])).toMatch(/\/dist\/browser\.js$/);
    const loaded = await run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        [
          'const sdk = await import("@eddie-marketplace/sdk");',
          'const mp = sdk.createMarketplaceClient({ baseUrl: "http://127.0.0.1:9" });',
          "console.log(Object.keys(mp).sort().join(','), sdk.describeObis(sdk.parseObis('1-0:1.8.0')).unit);",
        ].join("\n"),
      ],
      { cwd: project },
    );
    expect(loaded.stdout.trim()).toBe(
      "access,account,catalog,instances,notifications,search,transport kWh",
    );
  });
  describe("the integrator's example against the running system", () => {
    let iam: TestIam;
    let marketplace: RunningProgram<{ httpPort: number; grpcPort: number }>;
    let node: RunningProgram<{ instanceId: string; pairingCode: string }>;
    let baseUrl: string;
    let database: Awaited<ReturnType<typeof freshDatabaseUrl>> | undefined;
    const stateDir = mkdtempSync(join(tmpdir(), "sdk-example-node-"));

    let pages: Server | undefined;
    let pagesOrigin: string;

    beforeAll(async () => {
      // The page server is bound first: the Marketplace must allow its origin (CORS).
      pages = createServer((req, res) => {
        const file = req.url?.startsWith("/app.js") ? "app.js" : "index.html";
        const type = file === "app.js" ? "text/javascript" : "text/html";
        res.writeHead(200, { "content-type": type });
        res.end(readFileSync(join(project, "web-dist", file)));
      });
      await new Promise<void>((resolve) => pages?.listen(0, "127.0.0.1", resolve));
      pagesOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
      // A database of this file's own, dropped after, so no run sees another's accounts.
      database = await freshDatabaseUrl();
      const db = { DATABASE_URL: database.url };
      iam = await startIam(db);
      marketplace = await startMarketplaceFor(iam, { ...db, CORS_ORIGINS: pagesOrigin });
      baseUrl = `http://127.0.0.1:${marketplace.ready.httpPort}`;
      node = await startProgram({
        name: "aiida-node",
        cwd: "aiida-node",
        args: [
          "src/main.ts",
          "--marketplace",
          `127.0.0.1:${marketplace.ready.grpcPort}`,
          "--state-dir",
          stateDir,
          "--status-port",
          "0",
          "--profile",
          "at-household",
        ],
        env: { MARKETPLACE_JWKS_URL: `${baseUrl}/.well-known/jwks.json` },
        ready: (line) => {
          const j = jsonLine(line);
          return j?.msg === "pairing code"
            ? { instanceId: String(j.instance_id), pairingCode: String(j.pairing_code) }
            : undefined;
        },
      });
    }, 180_000);

    afterAll(async () => {
      await node?.stop();
      await marketplace?.stop();
      await iam?.stop();
      await database?.drop();
      await new Promise((resolve) => pages?.close(resolve));
      rmSync(stateDir, { recursive: true, force: true });
    });

    it.skipIf(!existsSync(chromiumPath))(
      "runs the browser build in Chromium against the Marketplace (connect-web, CORS)",
      async () => {
        // An app bundled from the installed package as a browser bundler does it.
        mkdirSync(join(project, "web-dist"), { recursive: true });
        writeFileSync(
          join(project, "web-dist", "entry.js"),
          [
            'import { createMarketplaceClient, describeObis, parseObis, Role, staticToken } from "@eddie-marketplace/sdk";',
            "const params = new URLSearchParams(location.hash.slice(1));",
            'const mp = createMarketplaceClient({ baseUrl: params.get("mp"), tokenProvider: staticToken(params.get("token")) });',
            "try {",
            "  const { account } = await mp.account.getMe({});",
            '  document.title = ["ok", Role[account.role], describeObis(parseObis("1-0:1.8.0")).unit].join(" ");',
            "} catch (err) {",
            '  document.title = ["error", err.code, err.message].join(" ");',
            "}",
          ].join("\n"),
        );
        writeFileSync(
          join(project, "web-dist", "index.html"),
          '<!doctype html><title>loading</title><script type="module" src="/app.js"></script>',
        );
        await run(
          `${repo}node_modules/.bin/esbuild`,
          [
            "web-dist/entry.js",
            "--bundle",
            "--format=esm",
            "--platform=browser",
            "--outfile=web-dist/app.js",
          ],
          { cwd: project },
        );
        const bundle = readFileSync(join(project, "web-dist", "app.js"), "utf8");
        expect(bundle).toContain("createConnectTransport");
        expect(bundle).not.toContain("connect-node");

        const customer = await signUp(iam, { role: "customer" });
        const browser = await launchBrowser();
        try {
          const page = await browser.context.newPage();
          const hash = new URLSearchParams({ mp: baseUrl, token: customer.accessToken });
          await page.goto(`${pagesOrigin}/#${hash}`);
          await page.waitForFunction(() => document.title !== "loading", undefined, {
            timeout: 30_000,
          });
          expect(await page.title()).toBe("ok CUSTOMER kWh");
        } finally {
          await browser.close();
        }
      },
      120_000,
    );

    it("creates a request, searches, asks access, follows the household's approval and receives its data", async () => {
      // The household: claims its instance and approves what it is asked.
      const customer = await signUp(iam, { role: "customer" });
      const household = createMarketplaceClient({
        baseUrl,
        tokenProvider: staticToken(customer.accessToken),
      });
      await household.instances.claimInstance({
        instanceId: node.ready.instanceId,
        pairingCode: node.ready.pairingCode,
      });
      const stop = new AbortController();
      const approved: string[] = [];
      const approving = (async () => {
        for await (const n of subscribe(household, { signal: stop.signal })) {
          if (n.kind !== NotificationKind.ACCESS_REQUESTED) continue;
          await household.access.approvePermission({ id: n.permissionId });
          approved.push(n.permissionId);
        }
      })();

      // The eligible party: an API client for its backend, made in the Marketplace.
      const ep = await signUp(iam, { role: "eligible_party", organisation: "Quick Start Energy" });
      const asPerson = createMarketplaceClient({
        baseUrl,
        tokenProvider: staticToken(ep.accessToken),
      });
      const { client, clientSecret } = await asPerson.account.createApiClient({ name: "backend" });

      await compileExample();
      const result = await run(process.execPath, [join(project, "out", "quick-start.js")], {
        cwd: project,
        timeout: 150_000,
        env: {
          ...process.env,
          MARKETPLACE_URL: baseUrl,
          OIDC_ISSUER: iam.issuer,
          EDDIE_CLIENT_ID: client?.clientId ?? "",
          EDDIE_CLIENT_SECRET: clientSecret,
          RECORDS: "3",
        },
      }).catch((err: { stdout?: string; stderr?: string }) => ({
        stdout: err.stdout ?? "",
        stderr: `${err.stderr ?? ""}${String(err)}`,
      }));
      stop.abort();
      await approving;

      const steps = result.stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const step = (name: string) => steps.filter((s) => s.step === name);
      expect(step("failed"), result.stderr).toEqual([]);
      expect(step("signed-in")[0]?.organisation).toBe("Quick Start Energy");
      expect(step("published")[0]?.tags).toEqual(["1-0:1.8.0"]);
      expect(step("match").map((s) => s.instanceId)).toEqual([node.ready.instanceId]);
      expect(step("asked")[0]).toMatchObject({ requestsSent: 1, permissions: 1 });
      expect(approved).toHaveLength(1);
      // The permission reached ACTIVE, and the data came from the household's instance.
      const decisions = step("decision");
      expect(decisions.every((d) => d.permissionId === approved[0])).toBe(true);
      expect(decisions.at(-1)).toMatchObject({ state: "ACTIVE" });
      const records = step("record");
      expect(records).toHaveLength(3);
      for (const r of records) {
        expect(r).toMatchObject({
          instanceId: node.ready.instanceId,
          tag: "1-0:1.8.0",
          unit: "kWh",
        });
      }
      expect(step("done")[0]).toMatchObject({ records: 3 });
    }, 240_000);
  });
});
