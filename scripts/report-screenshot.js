// Regenerates the README's pictures of `edgesim report` from bundled examples: docs/report.png (a
// scenario's timeline) and docs/fleet-report.png (the pull-storm fleet plan, the whole page):
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
const folder = mkdtempSync(join(tmpdir(), "edgesim-shot-"));

/** `edgesim report INPUT -o PAGE`, in this process. */
async function report(input, name) {
  const page = join(folder, name);
  const io = memoryIo(root);
  if ((await main(["report", input, "-o", page], io)) !== 0) throw new Error(io.err);
  return page;
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});
try {
  const timeline = await report("scenarios/story-node-fails-mid-repave-halts.yaml", "report.html");
  const tab = await browser.newPage({ viewport: { width: 1280, height: 640 }, deviceScaleFactor: 1 });
  await tab.goto(`file://${timeline}`);
  await tab.screenshot({
    path: join(root, "docs/report.png"),
    clip: { x: 0, y: 0, width: 1280, height: 640 },
  });
  console.log(`wrote ${join(root, "docs/report.png")}`);

  const fleet = await report("scenarios/fleet-plans/pull-storm.yaml", "fleet.html");
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 }, deviceScaleFactor: 1 });
  await page.goto(`file://${fleet}`);
  await page.screenshot({ path: join(root, "docs/fleet-report.png"), fullPage: true });
  console.log(`wrote ${join(root, "docs/fleet-report.png")}`);
} finally {
  await browser.close();
}
