import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The published SDK as an integrator gets it: `npm pack` of the built
// package, installed into an empty project outside the repository, where an
// integrator's example must typecheck and run.
const run = promisify(execFile);
const repo = new URL("../../../", import.meta.url).pathname;
const example = new URL("./integrator-example/quick-start.ts", import.meta.url).pathname;

describe("the packed SDK in a fresh project", () => {
  let project: string;
  let tarball: string;

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

  it("typechecks the integrator's example strictly, library declarations included", async () => {
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
    expect(result.stdout).toBe("");
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
});
