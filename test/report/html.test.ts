import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import {
  failedAttempts,
  type HtmlReportInput,
  outageWindows,
  phaseBars,
  renderHtmlReport,
  ticks,
} from "../../src/report/html.js";
import type { TimelineEntry } from "../../src/sim/types.js";
import { launchChromium } from "../fixtures/browser.js";

const timeline = [
  { t: 0, event: "update-received", profile: "next" },
  { t: 1000, node: "cp-1", event: "node-cordoned" },
  { t: 3000, node: "cp-1", event: "node-drained" },
  { t: 3000, node: "cp-1", event: "action-started", action: "reboot", attempt: 1 },
  { t: 240_000, node: "cp-1", event: "action-finished", action: "reboot" },
  { t: 300_000, node: "cp-1", event: "node-ready" },
  { t: 310_000, event: "kubernetes-down" },
  { t: 400_000, event: "kubernetes-up" },
  { t: 401_000, node: "worker-1", event: "node-cordoned" },
  { t: 402_000, node: "worker-1", event: "action-started", action: "reboot", attempt: 1 },
  {
    t: 500_000,
    node: "worker-1",
    event: "action-failed",
    action: "reboot",
    attempt: 1,
    reason: "injected <failure>",
  },
] as unknown as TimelineEntry[];

const run: HtmlReportInput = {
  name: "reboot <with> outage",
  result: "failed",
  behavior: "reboot",
  finalProfile: "base",
  timeline,
  expectations: [
    { name: "result", passed: true, message: "failed as expected" },
    { name: "order", passed: false, message: "expected cp-1, worker-1" },
  ],
  nodes: [
    { name: "cp-1", role: "control-plane" },
    { name: "worker-1", role: "worker" },
  ],
};

describe("phase bars", () => {
  it("derives each node's phases from the timeline, closing bars when the node is ready", () => {
    // cp-1's drain took no time (drained and action started at the same instant): no empty bar.
    expect(phaseBars(timeline, 600_000)).toEqual([
      { node: "cp-1", phase: "cordoned", start: 1000, end: 3000 },
      { node: "cp-1", phase: "reboot", start: 3000, end: 240_000, attempt: 1 },
      { node: "cp-1", phase: "rejoining", start: 240_000, end: 300_000 },
      { node: "worker-1", phase: "cordoned", start: 401_000, end: 402_000 },
      { node: "worker-1", phase: "reboot", start: 402_000, end: 500_000, attempt: 1, failed: true },
      { node: "worker-1", phase: "failed", start: 500_000, end: 600_000 },
    ]);
  });

  it("shades Kubernetes outages, an unfinished one up to the end", () => {
    expect(outageWindows(timeline, 600_000)).toEqual([{ start: 310_000, end: 400_000 }]);
    expect(outageWindows([{ t: 5, event: "kubernetes-down" }], 90)).toEqual([{ start: 5, end: 90 }]);
  });

  it("escapes names and details so the page cannot be broken by a scenario", () => {
    const html = renderHtmlReport(run);
    expect(html).toContain("reboot &lt;with&gt; outage");
    expect(html).not.toContain("<with>");
    expect(html).toContain("injected &lt;failure&gt;");
  });
});

describe("the HTML timeline in a browser", () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Opens a page, failing the test on any request that is not the file itself (the page is self-contained). */
  async function open(html: string, width = 1280, height = 800) {
    const dir = mkdtempSync(join(tmpdir(), "edgesim-html-"));
    const file = join(dir, "report.html");
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width, height } });
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(`file://${file}`);
    expect(requests).toEqual([`file://${file}`]);
    return page;
  }

  it("draws a bar per phase, shades the outage and filters the table by the clicked node", async () => {
    const page = await open(renderHtmlReport(run));
    expect(await page.locator("#result").textContent()).toBe("✕ failed");
    const phases = await page
      .locator(".bar")
      .evaluateAll((bars) => bars.map((bar) => bar.getAttribute("data-phase")));
    // worker-1 is left Failed at the last instant: its mark says so, not a bar of no length
    expect(phases).toEqual(["cordoned", "reboot", "rejoining", "cordoned", "reboot"]);
    expect(await page.locator('.row[data-node="worker-1"] .fail-label').textContent()).toBe(
      "reboot failed · attempt 1",
    );
    expect(await page.locator(".outage").count()).toBe(1);
    expect(await page.locator("li.fail").count()).toBe(1);
    expect(await page.locator("#timeline thead th").allTextContents()).toEqual([
      "time",
      "node",
      "event",
      "details",
    ]);
    const visibleRows = () => page.locator("#timeline tbody tr:not(.hidden)").count();
    expect(await visibleRows()).toBe(timeline.length);
    await page.locator('.row[data-node="worker-1"] .label').click();
    expect(await visibleRows()).toBe(timeline.filter((e) => e.node === "worker-1").length);
    expect(await page.locator("#filter-label").textContent()).toBe("Node worker-1 of 2");
    await page.locator('.row[data-node="worker-1"] .label').click();
    expect(await visibleRows()).toBe(timeline.length);
    await page.close();
  });

  it("makes a failed attempt unmistakable, and a normal repave not the failure colour", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgesim-report-"));
    const output = join(dir, "halts.html");
    expect(
      await main(["report", "scenarios/story-node-fails-mid-repave-halts.yaml", "-o", output], memoryIo()),
    ).toBe(0);
    const page = await open(readFileSync(output, "utf8"));
    // worker-1's repave fails twice: two marks, each with its own visible label, in the failure colour
    const marks = page.locator('.row[data-node="worker-1"] .fail-mark');
    expect(await marks.count()).toBe(2);
    const labels = page.locator('.row[data-node="worker-1"] .fail-label');
    expect(await labels.allTextContents()).toEqual([
      "repave failed · attempt 1",
      "repave failed · attempt 2",
    ]);
    const boxes = [];
    for (const locator of [marks.nth(0), marks.nth(1), labels.nth(0), labels.nth(1)]) {
      await expect(locator.isVisible()).resolves.toBe(true);
      const box = await locator.boundingBox();
      expect(box && box.width >= 16 && box.height >= 16).toBe(true);
      boxes.push(box as { x: number; y: number; width: number; height: number });
    }
    // the two labels do not overlap each other
    const [, , first, second] = boxes as [unknown, unknown, (typeof boxes)[0], (typeof boxes)[0]];
    const overlap =
      first.x < second.x + second.width &&
      second.x < first.x + first.width &&
      first.y < second.y + second.height &&
      second.y < first.y + first.height;
    expect(overlap).toBe(false);
    const colour = (selector: string, property: "color" | "backgroundColor" | "outlineColor") =>
      page.evaluate(`getComputedStyle(document.querySelector(${JSON.stringify(selector)})).${property}`);
    const vermillion = "rgb(213, 94, 0)";
    expect(await colour('.row[data-node="worker-1"] .fail-mark', "backgroundColor")).toBe(vermillion);
    expect(await colour('.row[data-node="worker-1"] .fail-label', "color")).toBe(vermillion);
    expect(await colour(".bar.failed-attempt", "outlineColor")).toBe(vermillion);
    // a repave that went well is the repave colour, not the failure colour
    expect(await colour('.row[data-node="cp-1"] .bar[data-phase="repave"]', "backgroundColor")).toBe(
      "rgb(0, 114, 178)",
    );
    expect(await page.locator('.row[data-node="cp-1"] .fail-mark').count()).toBe(0);
    expect(await page.locator(".banner").textContent()).toContain("2 failed attempts");
    expect(await page.locator("#timeline tr.fail").count()).toBe(3); // two failures and the halt
    // the plan's explanation sits beside the chart, naming each change's rule
    const plan = page.locator("#plan");
    expect(await plan.textContent()).toContain("os.options.system.uri");
    const chartBox = await page.locator("#chart").boundingBox();
    const planBox = await plan.boundingBox();
    expect(planBox && chartBox && planBox.x >= chartBox.x + chartBox.width).toBe(true);
    // only the phases that occur are in the legend
    const legend = await page
      .locator("#legend [data-legend]")
      .evaluateAll((items) => items.map((i) => i.getAttribute("data-legend")));
    expect(legend).toEqual(["repave", "cordoned", "draining", "rejoining", "failed-attempt", "update"]);
    await page.close();
  });

  it("follows the window's width, with time ticks and gridlines", async () => {
    const page = await open(renderHtmlReport(run), 1400, 700);
    const measure = () =>
      page.evaluate(`(() => {
        const track = document.querySelector('.row[data-node="worker-1"] .track').getBoundingClientRect();
        const bar = document.querySelector('.row[data-node="worker-1"] .bar[data-phase="reboot"]').getBoundingClientRect();
        return {
          track: track.width,
          barAt: (bar.left - track.left) / track.width,
          overflow: document.documentElement.scrollWidth - window.innerWidth,
          ticks: document.querySelectorAll(".tick").length,
          grid: document.querySelectorAll(".grid").length,
        };
      })()`) as Promise<{ track: number; barAt: number; overflow: number; ticks: number; grid: number }>;
    const wide = await measure();
    await page.setViewportSize({ width: 700, height: 700 });
    const narrow = await measure();
    expect(wide.overflow).toBeLessThanOrEqual(0);
    expect(narrow.overflow).toBeLessThanOrEqual(0);
    // the chart takes the room there is: stacked under 960 px, so the narrow chart is nearly the window
    expect(narrow.track).toBeGreaterThan(700 - 200);
    expect(wide.track).toBeGreaterThan(narrow.track + 200);
    // bars sit at the same fraction of the time axis whatever the width
    expect(Math.abs(wide.barAt - narrow.barAt)).toBeLessThan(0.01);
    expect(wide.barAt).toBeCloseTo(402_000 / 500_000, 2);
    expect(wide.ticks).toBeGreaterThanOrEqual(4);
    expect(wide.grid).toBe(wide.ticks);
    await page.close();
  });

  it("stays usable at 60 nodes: a readable row per node, the time axis in view while scrolling", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgesim-sixty-"));
    const scenario = join(dir, "sixty.yaml");
    writeFileSync(
      scenario,
      [
        "name: sixty-nodes",
        "cluster: { controlPlanes: 3, workers: 57, maxUnavailable: 6 }",
        `profile: ${join(process.cwd(), "scenarios/profiles/k3s-base.yaml")}`,
        "events:",
        `  - { at: 1m, update: ${join(process.cwd(), "scenarios/profiles/k3s-stage-boot-change.yaml")} }`,
        "  - { at: 5m, node: worker-30, fail: reboot, times: 2 }",
      ].join("\n"),
    );
    const output = join(dir, "sixty.html");
    expect(await main(["report", scenario, "-o", output, "--allow-outside"], memoryIo())).toBe(0);
    const page = await open(readFileSync(output, "utf8"), 1280, 800);
    const rows = (await page.evaluate(`[...document.querySelectorAll(".row")].map((el) => {
      const box = el.getBoundingClientRect();
      const label = el.querySelector(".label");
      return { top: box.top, bottom: box.bottom, clipped: label.scrollWidth > label.clientWidth };
    })`)) as { top: number; bottom: number; clipped: boolean }[];
    expect(rows).toHaveLength(60);
    for (const [i, row] of rows.entries()) {
      expect(row.bottom - row.top).toBeGreaterThanOrEqual(18);
      expect(row.clipped).toBe(false);
      if (i > 0) expect(row.top).toBeGreaterThanOrEqual((rows[i - 1] as { bottom: number }).bottom - 0.5);
    }
    expect(await page.locator('.row[data-node="worker-30"] .fail-label').count()).toBe(2);
    await page.locator('.row[data-node="worker-57"]').scrollIntoViewIfNeeded();
    const axis = await page.locator(".axis").boundingBox();
    expect(axis && axis.y >= 0 && axis.y < 5).toBe(true);
    await page.close();
  });
});

describe("ticks", () => {
  it.each([
    [600_000, [0, 120_000, 240_000, 360_000, 480_000, 600_000]],
    [3_744_215, [0, 900_000, 1_800_000, 2_700_000, 3_600_000]],
    [4000, [0, 1000, 2000, 3000, 4000]],
  ])("end %d → %j", (end, expected) => {
    expect(ticks(end)).toEqual(expected);
  });
});

describe("edgesim report", () => {
  it("replays a bundled scenario into a page with a row per node and its repave bars", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgesim-report-"));
    const output = join(dir, "halts.html");
    const io = memoryIo();
    const code = await main(["report", "scenarios/story-node-fails-mid-repave-halts.yaml", "-o", output], io);
    expect(code).toBe(0);
    expect(io.out).toContain("story-node-fails-mid-repave-halts: failed, repave");
    const html = readFileSync(output, "utf8");
    const rows = [...html.matchAll(/<div class="row[^"]*" data-node="([^"]+)"/g)].map((m) => m[1]);
    expect(rows).toEqual(["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"]);
    const repaved = new Set(
      html
        .split('<div class="row')
        .filter((row) => row.includes('data-phase="repave"'))
        .map((row) => /data-node="([^"]+)"/.exec(row)?.[1]),
    );
    // worker-1 fails twice and the rollout halts: worker-2 is never touched.
    expect([...repaved].sort()).toEqual(["cp-1", "cp-2", "cp-3", "worker-1"]);
    expect(html).toContain('class="bar failed-attempt" data-phase="repave" data-attempt="1"');
  });

  it("marks each node that took a no-op update untouched, and says so in the legend", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgesim-report-"));
    const output = join(dir, "noop.html");
    const io = memoryIo();
    expect(await main(["report", "scenarios/k3s-noop-does-nothing.yaml", "-o", output], io)).toBe(0);
    const html = readFileSync(output, "utf8");
    const marked = html
      .split('<div class="row')
      .filter((row) => row.includes('data-adopted="k3s-noop"'))
      .map((row) => /data-node="([^"]+)"/.exec(row)?.[1]);
    expect(marked).toEqual(["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"]);
    expect(html).not.toContain('class="bar');
    expect(html).toContain('data-legend="adopted"');
    expect(html).toContain('title="cp-1 took k3s-noop untouched (no-op) at 00:01:00"');
    // The update did reach the cluster: its plan is shown, no-op.
    expect(html).not.toContain("No update reached the cluster");
    expect(html).toMatch(/k3s-base → k3s-noop: <b>no-op<\/b>/);
  });

  it("reports bad input without writing a page", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgesim-report-"));
    const output = join(dir, "none.html");
    const io = memoryIo();
    expect(await main(["report", "test/fixtures/does-not-exist.yaml", "-o", output], io)).toBe(1);
    expect(io.err).toBe("error: test/fixtures/does-not-exist.yaml: file not found\n");
    expect(existsSync(output)).toBe(false);
  });
});

describe("A/B partition fallback in the timeline", () => {
  it("shows the node rejoining on its passive image after a failed repave, not failed", () => {
    const bars = phaseBars(
      [
        { t: 0, node: "worker-1", event: "action-started", action: "repave", attempt: 1 },
        { t: 100, node: "worker-1", event: "action-failed", action: "repave", attempt: 1, reason: "no boot" },
        { t: 100, node: "worker-1", event: "image-fallback", from: "new", to: "old" },
        { t: 160, node: "worker-1", event: "node-rejoined" },
      ] as unknown as TimelineEntry[],
      200,
    );
    expect(bars).toEqual([
      { node: "worker-1", phase: "repave", start: 0, end: 100, attempt: 1, failed: true },
      { node: "worker-1", phase: "rejoining", start: 100, end: 160 },
    ]);
  });
});

describe("failed attempts", () => {
  it("are listed each, a retry at the same instant included (no bar of its own would show it)", () => {
    const entries = [
      { t: 0, node: "w", event: "action-started", action: "repave", attempt: 1 },
      { t: 50, node: "w", event: "action-failed", action: "repave", attempt: 1, reason: "r1" },
      { t: 50, node: "w", event: "action-retried", action: "repave", attempt: 2 },
      { t: 50, node: "w", event: "action-started", action: "repave", attempt: 2 },
      { t: 90, node: "w", event: "action-failed", action: "repave", attempt: 2, reason: "r2" },
      { t: 90, node: "w", event: "image-fallback", from: "new", to: "old" },
    ] as unknown as TimelineEntry[];
    expect(failedAttempts(entries)).toEqual([
      { node: "w", t: 50, action: "repave", attempt: 1, reason: "r1", fellBack: false },
      { node: "w", t: 90, action: "repave", attempt: 2, reason: "r2", fellBack: true },
    ]);
    expect(phaseBars(entries, 100)).toEqual([
      { node: "w", phase: "repave", start: 0, end: 50, attempt: 1, failed: true },
      { node: "w", phase: "repave", start: 50, end: 90, attempt: 2, failed: true },
      { node: "w", phase: "rejoining", start: 90, end: 100 },
    ]);
    const html = renderHtmlReport({ ...run, timeline: entries, nodes: [{ name: "w", role: "worker" }] });
    expect(html.match(/class="fail-mark"/g)).toHaveLength(2);
    expect(html).toContain("repave failed · attempt 2 · back on the previous image");
  });

  it("leave a normal run without marks, banner or failure colours in its legend", () => {
    const calm = timeline.slice(0, 6);
    const html = renderHtmlReport({ ...run, result: "converged", timeline: calm, expectations: [] });
    expect(html).not.toContain('class="fail-mark"');
    expect(html).not.toContain('class="banner"');
    expect([...html.matchAll(/data-legend="([^"]+)"/g)].map((m) => m[1])).toEqual([
      "reboot",
      "cordoned",
      "rejoining",
      "update",
    ]);
  });
});
