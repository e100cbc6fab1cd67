// Builds the publishable package in sdk/build/: compiles the SDK with the
// generated contracts bundled in (dist/gen/, imports rewritten, since the gen
// workspace is private), writes a package.json whose exports point at dist
// (taken from publishConfig.exports), and copies the README and CHANGELOG.
// With --pack it also runs `npm pack` there and prints the tarball's path.
//
//   node scripts/build-package.mjs [--pack] [--pack-destination=DIR]
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";

const sdk = resolve(dirname(new URL(import.meta.url).pathname), "..");
const gen = resolve(sdk, "../gen");
const out = join(sdk, "build");
const stage = join(out, ".stage");
const args = process.argv.slice(2);

rmSync(out, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

function tsFiles(dir) {
  const files = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      // testing/ holds what the SDK's own tests use; it is not published.
      if (name !== "testing") files.push(...tsFiles(path));
    } else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts")) {
      files.push(path);
    }
  }
  return files;
}

// The SDK's sources at src/, the contracts at src/gen/; imports of the gen
// workspace become relative imports of the bundled copy.
for (const file of tsFiles(join(sdk, "src"))) {
  const target = join(stage, "src", relative(join(sdk, "src"), file));
  const toGen = relative(dirname(target), join(stage, "src", "gen")) || ".";
  const rel = toGen.startsWith(".") ? toGen : `./${toGen}`;
  const text = readFileSync(file, "utf8")
    .replace(/(["'])@eddie-marketplace\/gen\1/g, `$1${rel}/index.js$1`)
    .replace(/(["'])@eddie-marketplace\/gen\/([^"']+)\1/g, `$1${rel}/$2.js$1`);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}
for (const file of tsFiles(join(gen, "src"))) {
  const target = join(stage, "src", "gen", relative(join(gen, "src"), file));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(file, target);
}

writeFileSync(
  join(stage, "tsconfig.json"),
  JSON.stringify(
    {
      extends: relative(stage, resolve(sdk, "../tsconfig.base.json")),
      compilerOptions: {
        noEmit: false,
        declaration: true,
        rootDir: "src",
        outDir: "../dist",
      },
      include: ["src"],
    },
    null,
    2,
  ),
);
const tsc = createRequire(join(sdk, "package.json")).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", stage], { stdio: "inherit" });
rmSync(stage, { recursive: true, force: true });

// The published manifest: exports at dist, no workspace-only dependencies.
const source = JSON.parse(readFileSync(join(sdk, "package.json"), "utf8"));
const { exports: allExports, ...publishConfig } = source.publishConfig ?? {};
// An entry whose workspace source is not written yet is left out, not broken.
const publishedExports = Object.fromEntries(
  Object.entries(allExports).filter(([key]) => {
    const src = source.exports?.[key];
    if (typeof src !== "string" || existsSync(join(sdk, src))) return true;
    console.warn(`left out of the package: "${key}" (${src} does not exist yet)`);
    return false;
  }),
);
// Only what the compiled code imports; an import nobody declared is an error.
const imported = new Set();
(function scan(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) scan(path);
    else if (name.endsWith(".js")) {
      const text = readFileSync(path, "utf8");
      const statements =
        /^\s*(?:import|export)\s[^;]*?from\s*["']([^"'.][^"']*)["']|^\s*import\s*["']([^"'.][^"']*)["']/gm;
      for (const m of text.matchAll(statements)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith("node:")) continue;
        const parts = spec.split("/");
        imported.add(spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]);
      }
    }
  }
})(join(out, "dist"));
const declared = { ...source.dependencies, ...source.peerDependencies };
const undeclared = [...imported].filter((name) => !(name in declared));
if (undeclared.length > 0) {
  console.error(`the compiled code imports undeclared packages: ${undeclared.join(", ")}`);
  process.exit(1);
}
const dependencies = Object.fromEntries(
  Object.entries(source.dependencies ?? {}).filter(
    ([name]) => imported.has(name) && !(name in (source.peerDependencies ?? {})),
  ),
);
const manifest = {
  name: source.name,
  version: source.version,
  description: source.description,
  license: source.license,
  keywords: source.keywords,
  type: source.type,
  engines: source.engines,
  sideEffects: source.sideEffects,
  types: "./dist/browser.d.ts",
  exports: publishedExports,
  files: ["dist", "README.md", "CHANGELOG.md"],
  publishConfig,
  peerDependencies: source.peerDependencies,
  peerDependenciesMeta: source.peerDependenciesMeta,
  dependencies,
};
writeFileSync(join(out, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
for (const doc of ["README.md", "CHANGELOG.md"]) {
  if (existsSync(join(sdk, doc))) cpSync(join(sdk, doc), join(out, doc));
}

// Every path the exports name must exist, or the package is broken.
const missing = [];
(function check(node) {
  if (typeof node === "string") {
    if (node.startsWith("./dist/") && !existsSync(join(out, node))) missing.push(node);
  } else if (node && typeof node === "object") {
    for (const v of Object.values(node)) check(v);
  }
})(manifest.exports);
if (missing.length > 0) {
  console.error(`exports name files the build did not make: ${missing.join(", ")}`);
  process.exit(1);
}

if (args.includes("--pack")) {
  const destArg = args.find((a) => a.startsWith("--pack-destination="));
  const dest = destArg ? resolve(destArg.split("=")[1]) : sdk;
  const packed = JSON.parse(
    execFileSync("npm", ["pack", out, "--json", "--pack-destination", dest], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }),
  );
  console.log(join(dest, packed[0].filename));
} else {
  console.log(`built ${relative(process.cwd(), out) || "."}`);
}
