import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import {
  type HtmlReportInput,
  outageWindows,
  phaseBars,
  renderHtmlReport,
  ticks,
} from "../../src/report/html.js";
import type { TimelineEntry } from "../../src/sim/types.js";

const timeline = [
  { t: 0, event: "update-received", profile: "next" },
  { t: 1000, node: "cp-1", event: "node-cordoned" },
  { t: 3000, node: "cp-1", event: "node-drained" },
  { t: 3000, node: "cp-1", event: "action-started", action: "reboot" },
  { t: 240_000, node: "cp-1", event: "action-finished", action: "reboot" },
  { t: 300_000, node: "cp-1", event: "node-ready" },
  { t: 310_000, event: "kubernetes-down" },
  { t: 400_000, event: "kubernetes-up" },
  { t: 401_000, node: "worker-1", event: "node-cordoned" },
  { t: 402_000, node: "worker-1", event: "action-started", action: "reboot" },
  { t: 500_000, node: "worker-1", event: "action-failed", action: "reboot", reason: "injected <failure>" },
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
      { node: "cp-1", phase: "reboot", start: 3000, end: 240_000 },
      { node: "cp-1", phase: "rejoining", start: 240_000, end: 300_000 },
      { node: "worker-1", phase: "cordoned", start: 401_000, end: 402_000 },
      { node: "worker-1", phase: "reboot", start: 402_000, end: 500_000 },
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
  let browser: Awaited<ReturnType<typeof chromium.launch>>;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("draws a bar per phase, shades the outage and filters the table by the clicked node", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgesim-html-"));
    const file = join(dir, "report.html");
    writeFileSync(file, renderHtmlReport(run));
    const page = await browser.newPage();
    await page.goto(`file://${file}`);
    expect(await page.locator("#result").textContent()).toBe("failed");
    const phases = await page
      .locator("rect.bar")
      .evaluateAll((bars) => bars.map((bar) => bar.getAttribute("data-phase")));
    expect(phases).toEqual(["cordoned", "reboot", "rejoining", "cordoned", "reboot", "failed"]);
    expect(await page.locator("rect.outage").count()).toBe(1);
    expect(await page.locator("li.fail").count()).toBe(1);
    const visibleRows = () => page.locator("#timeline tr:not(.hidden)").count();
    expect(await visibleRows()).toBe(timeline.length);
    await page.locator('.row[data-node="worker-1"] .hit').click();
    expect(await visibleRows()).toBe(timeline.filter((e) => e.node === "worker-1").length);
    expect(await page.locator("#filter-label").textContent()).toBe("Node worker-1 of 2");
    await page.locator('.row[data-node="worker-1"] .hit').click();
    expect(await visibleRows()).toBe(timeline.length);
    await page.screenshot({ path: join(dir, "report.png") });
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
    const rows = [...html.matchAll(/<g class="row" data-node="([^"]+)"/g)].map((m) => m[1]);
    expect(rows).toEqual(["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"]);
    const repaved = new Set([...html.matchAll(/data-node="([^"]+)" data-phase="repave"/g)].map((m) => m[1]));
    // worker-1 fails twice and the rollout halts: worker-2 is never touched.
    expect([...repaved].sort()).toEqual(["cp-1", "cp-2", "cp-3", "worker-1"]);
    expect(html).toContain('data-phase="failed"');
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
        { t: 0, node: "worker-1", event: "action-started", action: "repave" },
        { t: 100, node: "worker-1", event: "action-failed", action: "repave" },
        { t: 100, node: "worker-1", event: "image-fallback", from: "new", to: "old" },
        { t: 160, node: "worker-1", event: "node-rejoined" },
      ] as unknown as TimelineEntry[],
      200,
    );
    expect(bars).toEqual([
      { node: "worker-1", phase: "repave", start: 0, end: 100 },
      { node: "worker-1", phase: "rejoining", start: 100, end: 160 },
    ]);
  });
});
