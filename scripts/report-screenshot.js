// Regenerates docs/report.png, the README's picture of `edgesim report`, from a bundled scenario:
//   npm run build && bash scripts/setup-machine.sh && node scripts/report-screenshot.js
// Debian's chromium through playwright-core; nothing is downloaded.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { main } = await import(join(root, "dist/cli/main.js"));
const { memoryIo } = await import(join(root, "dist/cli/io.js"));

const scenario = "scenarios/story-node-fails-mid-repave-halts.yaml";
const page = join(mkdtempSync(join(tmpdir(), "edgesim-shot-")), "report.html");
const io = memoryIo(root);
if ((await main(["report", scenario, "-o", page], io)) !== 0) throw new Error(io.err);

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});
try {
  const tab = await browser.newPage({ viewport: { width: 1280, height: 640 }, deviceScaleFactor: 1 });
  await tab.goto(`file://${page}`);
  const output = join(root, "docs/report.png");
  await tab.screenshot({ path: output, clip: { x: 0, y: 0, width: 1280, height: 640 } });
  console.log(`wrote ${output}`);
} finally {
  await browser.close();
}
