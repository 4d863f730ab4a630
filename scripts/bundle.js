// Bundles the compiled CLI (dist/) into dist/bundle/, so that starting edgesim reads a few files instead of
// hundreds of modules. Each entry is `INPUT=NAME`: dist/INPUT becomes dist/bundle/NAME.js. Every module a
// command imports dynamically becomes a chunk beside it, loaded only when that command runs. A file that
// starts on its own (a worker thread's entry, found with `new URL("./NAME.js", import.meta.url)`) must be
// an entry of its own, named as it is referenced, so that it is there beside the chunks that start it.
//
//   node scripts/bundle.js cli/main.js=edgesim fleet/worker.js=worker suite/suite-worker.js=suite-worker
//
// The bundle sits two folders below the package like dist/cli/, so paths built from import.meta.url
// (`../../package.json`, `../../scenarios/profiles`) hold in both.
import { rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist/bundle");

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error("usage: node scripts/bundle.js INPUT=NAME …   (INPUT under dist/, e.g. cli/main.js=edgesim)");
  process.exit(1);
}
const entryPoints = args.map((arg) => {
  const [input, name] = arg.split("=");
  if (!input || !name) {
    console.error(`bundle: expected INPUT=NAME, got "${arg}"`);
    process.exit(1);
  }
  return { in: join(root, "dist", input), out: name };
});

/**
 * One luxon: cron-parser (CommonJS) requires luxon's CommonJS build while edgesim imports its ES build, which
 * would bundle the library twice (twice the code to compile at start, and two sets of luxon's Settings).
 * Its require is resolved to the ES build, which esbuild hands to CommonJS code as an exports object.
 */
const oneLuxon = {
  name: "one-luxon",
  setup(b) {
    b.onResolve({ filter: /^luxon$/ }, (args) =>
      args.kind === "require-call"
        ? b.resolve("luxon", { kind: "import-statement", resolveDir: args.resolveDir })
        : undefined,
    );
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints,
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Chunks beside the entries (not in a subfolder), for the import.meta.url paths above.
  chunkNames: "[name]-[hash]",
  sourcemap: true,
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "linked",
  // Packages that start threads or processes from files of their own stay packages: pino (its
  // transports; loaded only with --log) and tinypool (its worker entry).
  external: ["pino", "tinypool"],
  // CommonJS dependencies (yaml, commander) call require() for Node's modules; ESM has no require.
  banner: {
    js: 'import { createRequire as __edgesimRequire } from "node:module"; const require = __edgesimRequire(import.meta.url);',
  },
  logLevel: "warning",
  plugins: [oneLuxon],
});
