import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { launchChromium } from "../fixtures/browser.js";

async function report(plan: string, extra: string[] = []): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "edgesim-fleet-html-"));
  const file = join(dir, "fleet.html");
  const io = memoryIo();
  expect(await main(["report", plan, "-o", file, ...extra], io)).toBe(0);
  return file;
}

/** The tick labels of one axis of a chart (Plot draws each axis as a group labelled `x-axis tick label` …). */
async function ticks(
  page: import("playwright-core").Page,
  chart: string,
  axis: "x" | "y",
): Promise<string[]> {
  return page.locator(`#${chart} g[aria-label="${axis}-axis tick label"] text`).allTextContents();
}

/** The tick labels of the page's charts that reach past their SVG's left or right edge (so the browser cuts them). */
async function cutLabels(page: import("playwright-core").Page): Promise<string[]> {
  return page.locator("svg").evaluateAll((svgs) =>
    svgs.flatMap((svg) => {
      const box = svg.getBoundingClientRect();
      return Array.from(svg.querySelectorAll('g[aria-label$="tick label"] text')).flatMap((t) => {
        const r = t.getBoundingClientRect();
        return r.left < box.left - 0.5 || r.right > box.right + 0.5 ? [t.textContent ?? ""] : [];
      });
    }),
  );
}

describe("the fleet report in a browser", () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("edgesim report FLEET -o: waves on a calendar, completion, disruption by zone, registry and the trial histogram, with axes", async () => {
    const file = await report("scenarios/fleet-plans/regional-stores.yaml");
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const requests: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith("file://")) requests.push(r.url());
    });
    await page.goto(`file://${file}`);
    expect(await page.locator("#summary").textContent()).toContain("9 sites, 35 nodes");
    // Two waves (canary, rest), drawn left to right in order.
    const waves = page.locator("#calendar-0 g.wave rect");
    expect(await waves.count()).toBe(2);
    const [a, b] = [await waves.nth(0).boundingBox(), await waves.nth(1).boundingBox()];
    expect((a?.x ?? 0) < (b?.x ?? 0)).toBe(true);
    // Every time chart has a time axis with UTC dates, and the count charts a y-axis in whole numbers.
    for (const chart of ["calendar-0", "completion-0", "disruption-0", "registry-0"]) {
      const xs = await ticks(page, chart, "x");
      expect(xs.length).toBeGreaterThan(2);
      for (const t of xs) expect(t).toMatch(/^\d\d-\d\d( \d\d:\d\d)?$/);
    }
    for (const chart of ["completion-0", "disruption-0", "histogram-0"]) {
      const ys = await ticks(page, chart, "y");
      expect(ys.length).toBeGreaterThan(1);
      for (const t of ys) expect(t).toMatch(/^\d+$/);
    }
    expect(await page.locator("#completion-0").textContent()).toContain("sites converged");
    // The completion line is a step line: every segment is horizontal or vertical, never a slope.
    const d = (await page.locator("#completion-0 g.completion path").getAttribute("d")) ?? "";
    const points = [...d.matchAll(/[ML]?(-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(points.length).toBeGreaterThan(4);
    for (let i = 1; i < points.length; i++) {
      const [x0, y0] = points[i - 1] as number[];
      const [x1, y1] = points[i] as number[];
      expect(x0 === x1 || y0 === y1).toBe(true);
    }
    // Eight stores rolled (kiosk-001 fits no window); every disrupted-hour bar names a zone of the inventory.
    const titles = await page.locator("#disruption-0 g.disrupted rect title").allTextContents();
    expect(titles.length).toBeGreaterThan(0);
    for (const t of titles) expect(t).toMatch(/^America\/(New_York|Chicago|Denver|Los_Angeles): \d+ site/);
    expect(await page.locator("#registry-0 g.registry path").count()).toBe(1);
    // Three trials in the histogram.
    const bins = await page.locator("#histogram-0 g.bin rect title").allTextContents();
    expect(bins.reduce((n, t) => n + Number(/^(\d+) trial/.exec(t)?.[1] ?? 0), 0)).toBe(3);
    // The site that fits no window is listed, with why.
    const problems = await page.locator("#problems-0").textContent();
    expect(problems).toContain("kiosk-001");
    expect(problems).toContain("no window fits");
    expect(await page.locator("#overview").textContent()).toMatch(/blocked\s*8\s*0\s*0\s*1\s*0/);
    expect(requests).toEqual([]);
    // Nothing is cut on a narrow screen: every chart fits the page's width.
    await page.setViewportSize({ width: 640, height: 900 });
    for (const box of await page
      .locator("svg")
      .evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect().right)))
      expect(box).toBeLessThanOrEqual(640);
    await page.close();
  });

  it("cuts no tick label at a chart's edge: the time axis ending on a whole hour shows that hour whole", async () => {
    // The rollout ends at 07:41Z, so the time axis ends on 08:00, a tick at the chart's right edge.
    const file = await report("scenarios/fleet-plans/two-node-stores.yaml");
    for (const width of [1100, 640]) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.goto(`file://${file}`);
      const xs = await ticks(page, "completion-0", "x");
      expect(xs[xs.length - 1]).toBe("12-07 08:00");
      expect(await page.locator("svg").count()).toBeGreaterThan(2);
      expect(await cutLabels(page)).toEqual([]);
      await page.close();
    }
  });

  it("shows each two-node site's write outage, with the rule's page and section; a plan without one shows none", async () => {
    const file = await report("scenarios/fleet-plans/two-node-stores.yaml");
    const page = await browser.newPage();
    await page.goto(`file://${file}`);
    // The two two-node stores, in the plan's order, with the outage their CSV why gives (the kiosk is one node).
    const rows = await page
      .locator("#write-outage-0 table.outages tbody tr")
      .evaluateAll((trs) =>
        trs.map((tr) => Array.from(tr.querySelectorAll("td")).map((td) => td.textContent)),
      );
    expect(rows).toEqual([
      ["store-01", "America/Chicago", "converged", "12m46s"],
      ["store-02", "America/Chicago", "converged", "13m29s"],
    ]);
    const link = page.locator("#write-outage-0 p.rule a");
    expect(await link.textContent()).toBe("Two-Node Architecture § Upgrade Behavior");
    expect(await link.getAttribute("href")).toBe(
      "https://docs.spectrocloud.com/clusters/edge/architecture/two-node/#upgrade-behavior",
    );
    expect(await page.locator("#write-outage-0 p.rule").textContent()).toContain("two-node.write-outage");
    expect(await page.locator("#strategy-0 p.summary").textContent()).toContain(
      "Writes unavailable at 2 two-node sites, at most 13m29s each",
    );
    await page.close();
    const other = await browser.newPage();
    await other.goto(`file://${await report("scenarios/fleet-plans/pull-storm.yaml")}`);
    expect(await other.locator("section.strategy").count()).toBe(2);
    expect(await other.locator("[id^=write-outage]").count()).toBe(0);
    expect(await other.locator("body").textContent()).not.toContain("Writes unavailable");
    await other.close();
  });

  it("lists the planner's warnings once per profile pair and mode, as the text summary does; a plan without any lists none", async () => {
    const plan = "scenarios/fleet-plans/mixed-delivery-stores.yaml";
    const io = memoryIo();
    expect(await main(["fleet", plan, "--json", "--trials", "1"], io)).toBe(0);
    const warnings = (JSON.parse(io.out) as { warnings: { text: string; plans: { sites: number }[] }[] })
      .warnings;
    expect(warnings.length).toBeGreaterThan(0);
    const page = await browser.newPage();
    await page.goto(`file://${await report(plan)}`);
    const items = await page.locator("#warnings li").allTextContents();
    expect(items).toHaveLength(warnings.length);
    items.forEach((item, i) => {
      const w = warnings[i] as { text: string; plans: { sites: number }[] };
      expect(item.endsWith(`: ${w.text}`)).toBe(true);
      expect(item).toContain(`(${w.plans[0]?.sites} site`);
    });
    expect(await page.locator("#warnings h2").textContent()).toBe(
      `Warnings from the plans (${warnings.length})`,
    );
    await page.close();
    const other = await browser.newPage();
    await other.goto(`file://${await report("scenarios/fleet-plans/pull-storm.yaml")}`);
    expect(await other.locator("#warnings").count()).toBe(0);
    await other.close();
  });

  it("draws every strategy, and one trial as a single value, not a histogram", async () => {
    const file = await report("scenarios/fleet-plans/pull-storm.yaml");
    const page = await browser.newPage();
    await page.goto(`file://${file}`);
    const strategies = await page
      .locator("section.strategy")
      .evaluateAll((s) => s.map((e) => e.getAttribute("data-strategy")));
    expect(strategies).toEqual(["narrow", "wide"]);
    for (const i of [0, 1]) {
      expect(await page.locator(`#completion-${i} svg`).count()).toBe(1);
      expect(await page.locator(`#histogram-${i} svg`).count()).toBe(0);
      expect(await page.locator(`#histogram-${i} p.single`).textContent()).toMatch(
        /^One trial: the rollout (took \d|ended blocked, so it has no duration)/,
      );
    }
    await page.close();
  });
});
