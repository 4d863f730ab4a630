import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../fixtures/browser.js";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";

/**
 * The words of the fleet report, read in chromium from pages the built CLI wrote: counts with their noun
 * ("1 site", never "1 sites" nor "site(s)"), no horizon shown as a duration, why a site never rolled, and
 * no chart drawn past its axis or for what the plan does not model.
 */
const ROOT = resolve(import.meta.dirname, "../..");
let dir: string;
let browser: Awaited<ReturnType<typeof launchChromium>>;

/** A plan of one store of one node, with a deadline it misses and no image download. */
const ONE_STORE = `name: one-store
start: 2026-12-07T00:00Z
update: profiles/k3s-os-uri-change.yaml
from: profiles/k3s-base.yaml
cluster: { shape: "1+0" }
inventory:
  generate: { clusters: 1, prefix: store, timeZones: [Asia/Tokyo] }
windows: { default: "daily 01:00-05:00" }
strategies:
  only:
    deadline: 2026-12-07T12:00Z
    waves: [{ name: all, rest: true, concurrency: 1 }]
`;

function report(cwd: string, plan: string): string {
  const file = join(dir, `${plan.replace(/\W/g, "-")}.html`);
  const r = spawnEdgesim(["report", plan, "-o", file], { cwd, timeoutMs: 60_000 });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return file;
}

/** Every text of the page a reader sees, SVG titles (the tooltips) included. */
async function pageText(page: import("playwright-core").Page): Promise<string> {
  const body = (await page.locator("body").textContent()) ?? "";
  const titles = await page.locator("svg title").allTextContents();
  return [body, ...titles].join("\n");
}

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "edgesim-fleet-words-"));
  mkdirSync(join(dir, "profiles"));
  for (const p of ["k3s-base.yaml", "k3s-os-uri-change.yaml"])
    cpSync(join(ROOT, "scenarios/profiles", p), join(dir, "profiles", p));
  writeFileSync(join(dir, "one-store.yaml"), ONE_STORE);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe("the fleet report's words", () => {
  it("one site, one node, one trial: singular nouns, the missed deadline and why, no registry chart without an image", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(`file://${report(dir, "one-store.yaml")}`);
    expect(await page.locator("#summary").textContent()).toBe(
      "1 site, 1 node, update behavior repave; 1 strategy (only), 1 trial; starts 2026-12-07 00:00Z.",
    );
    const summary = await page.locator("#strategy-0 p.summary").textContent();
    expect(summary).toContain("converged — 1 converged, 0 failed");
    expect(summary).toMatch(
      /Duration 16h12m58s \(ends 2026-12-07 16:12Z\); deadline 2026-12-07 12:00Z missed: ends 4h12m58s after it\.$/,
    );
    // One trial: no "trial 1 of 1".
    expect(summary).not.toContain("trial 1 of");
    expect(await page.locator("#registry-0").textContent()).toContain(
      "No image download: the plan has no image:, so no site pulls from a registry.",
    );
    expect(await page.locator("#registry-0 svg").count()).toBe(0);
    const titles = await page.locator("#disruption-0 g.disrupted rect title").allTextContents();
    expect(titles).toEqual(["Asia/Tokyo: 1 site at 2026-12-07 16:00Z"]);
    // The last hour's bar ends inside the chart: on or before the right end of its x axis.
    const bar = await page.locator("#disruption-0 g.disrupted rect").last().boundingBox();
    const axis = await page.locator('#disruption-0 g[aria-label="rule"] line').boundingBox();
    expect((bar?.x ?? 0) + (bar?.width ?? 0)).toBeLessThanOrEqual((axis?.x ?? 0) + (axis?.width ?? 0) + 0.5);
    const text = await pageText(page);
    expect(text).not.toMatch(/\(s\)/);
    expect(text).not.toMatch(/\b1 (sites|nodes|trials|strategies|times)\b/);
    await page.close();
  });

  it("pull-storm: the wide strategy's sites never rolled because their downloads were cancelled, not because no window is long enough", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(`file://${report(ROOT, "scenarios/fleet-plans/pull-storm.yaml")}`);
    expect(await page.locator("#summary").textContent()).toContain("120 sites, 480 nodes");
    expect(await page.locator("#summary").textContent()).toContain("1 trial;");
    const wide = await page.locator("#strategy-1 p.summary").textContent();
    expect(wide).toContain(
      "Duration none: no site rolled within the 336h horizon (the schedule gave up 2026-12-20 11:00Z).",
    );
    const first = await page.locator("#problems-1 tbody tr").first().locator("td").allInnerTexts();
    expect(first).toEqual([
      "store-00001",
      "America/Chicago",
      "no window",
      "image download cancelled 14 times: it never finished early enough in a window (registry contention)",
    ]);
    expect(await page.locator("#problems-1").textContent()).not.toContain("longest window");
    expect(await page.locator("#disruption-1").textContent()).toContain(
      "No site was disrupted: none rolled in this trial.",
    );
    expect(await page.locator("#registry-0 h3").textContent()).toBe("Registry throughput (peak 2 Gbps)");
    const text = await pageText(page);
    expect(text).not.toMatch(/\(s\)/);
    expect(text).not.toMatch(/\b1 (sites|nodes|trials|strategies|times)\b/);
    await page.close();
  });
});
