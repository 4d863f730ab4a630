// Bundles the workbench page of `edgesim serve` (web/) into dist/web/: its script with the editor
// (CodeMirror 6) and its HTML and CSS copied beside it. The server serves these files only: no network,
// no CDN at run time.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist/web");
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [join(root, "web/main.ts")],
  outfile: join(outdir, "app.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "linked",
  logLevel: "warning",
});
for (const name of ["index.html", "app.css"]) copyFileSync(join(root, "web", name), join(outdir, name));
