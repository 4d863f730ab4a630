// Regenerates the pictures of `edgesim serve` in the README and docs/commands/serve.md, one per page,
// from the bundled scenarios:
//   npm run build && bash scripts/setup-machine.sh && node scripts/serve-screenshots.js
// Debian's chromium through playwright-core; nothing is downloaded.
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { startServer } = await import(join(root, "dist/serve/server.js"));

// A copy, so that nothing the pages do can touch the bundled files.
const served = join(mkdtempSync(join(tmpdir(), "edgesim-shots-")), "scenarios");
cpSync(join(root, "scenarios"), served, { recursive: true });
const server = await startServer({ dir: served, port: 0, host: "127.0.0.1" });
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});

const width = 1280;
const height = 860;
async function open(hash) {
  const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
  await page.goto(`${server.url}${hash}`);
  await page.waitForSelector("body[data-ready=true]");
  return page;
}
async function shoot(page, name) {
  const output = join(root, "docs", name);
  await page.screenshot({ path: output, clip: { x: 0, y: 0, width, height } });
  console.log(`wrote ${output}`);
  await page.close();
}
const scrub = (page, ms) =>
  page.$eval(
    "#scrubber",
    (el, value) => {
      el.value = String(value);
      el.dispatchEvent(new Event("input"));
    },
    ms,
  );

try {
  // Plan: k3s-base → an upgrade of Kubernetes, with its changes and the estimated rollout.
  let page = await open("#plan");
  await page.selectOption("#from-file", "profiles/k3s-base.yaml");
  await page.selectOption("#to-file", "profiles/k3s-kubernetes-upgrade.yaml");
  await page.waitForSelector(".gantt", { timeout: 20_000 });
  await shoot(page, "serve-plan.png");

  // Replay: the outage story at 10 minutes.
  page = await open("#replay");
  await page.selectOption("#scenario-file", "story-kubernetes-down-mid-rollout.yaml");
  await page.click("#run");
  await page.waitForSelector("#lane-table", { timeout: 30_000 });
  await scrub(page, 10 * 60_000);
  await shoot(page, "serve-replay.png");

  // Fleet: the regional stores' plan, its site rows below the charts, then one site opened.
  page = await open("#fleet");
  await page.selectOption("#fleet-file", "fleet-plans/regional-stores.yaml");
  await page.click("#fleet-run");
  await page.waitForSelector("#site-table", { timeout: 60_000 });
  await page.evaluate(() => document.querySelector("#fleet-charts")?.scrollIntoView());
  await page.evaluate(() => window.scrollBy(0, -60));
  const fleet = join(root, "docs", "serve-fleet.png");
  await page.screenshot({ path: fleet, clip: { x: 0, y: 0, width, height } });
  console.log(`wrote ${fleet}`);
  await page.getByRole("button", { name: "nyc-002" }).focus();
  await page.keyboard.press("Enter");
  await page.waitForSelector("#replay-site:not([hidden])", { timeout: 60_000 });
  await page.evaluate(() => {
    window.scrollTo(0, 0);
    document.activeElement?.blur();
  });
  await scrub(page, 20 * 60_000);
  await shoot(page, "serve-site.png");

  // Train: a question answered, with its explanation and rule.
  page = await open("#train");
  await page.click("#quiz-start");
  await page.waitForSelector("#quiz:not([hidden])");
  await page.locator("#quiz-choices input").first().check();
  await page.click("#quiz-answer");
  await page.waitForSelector("#quiz-verdict");
  await shoot(page, "serve-train.png");
} finally {
  await browser.close();
  await server.close();
}
