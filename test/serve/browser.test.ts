/// <reference lib="dom" />
import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/serve/server.js";
import { launchChromium } from "../fixtures/browser.js";
import { ensureBuilt } from "../fixtures/cli.js";

const ROOT = resolve(import.meta.dirname, "../..");
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** The workbench in Debian's chromium, served over a copy of the bundled scenarios. */
describe("edgesim serve in a browser", { timeout: 90_000 }, () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let server: RunningServer;
  let results: string;
  const outside: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    const top = mkdtempSync(join(tmpdir(), "edgesim-serve-browser-"));
    cpSync(join(ROOT, "scenarios"), join(top, "served"), { recursive: true });
    results = join(top, "results.yaml");
    server = await startServer({ dir: join(top, "served"), port: 0, host: "127.0.0.1", results });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(hash: string): Promise<Page> {
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on("request", (r) => {
      if (!r.url().startsWith(server.url.replace(/\/$/, "")) && !r.url().startsWith("about:"))
        outside.push(r.url());
    });
    await page.goto(`${server.url}${hash}`);
    await page.waitForSelector("body[data-ready=true]");
    return page;
  }

  async function seriousViolations(page: Page): Promise<string[]> {
    await page.addScriptTag({ content: AXE });
    const found = await page.evaluate(async () => {
      const axe = (
        globalThis as unknown as {
          axe: {
            run: (c?: unknown) => Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }>;
          };
        }
      ).axe;
      const result = await axe.run();
      return result.violations.map((v) => `${v.impact} ${v.id} (${v.nodes.length})`);
    });
    return found.filter((v) => v.startsWith("serious") || v.startsWith("critical"));
  }

  it("Plan: typing into the TO editor changes the behavior; a broken line is marked in the editor", async () => {
    const page = await open("#plan");
    await page.selectOption("#from-file", "profiles/k3s-base.yaml");
    await page.selectOption("#to-file", "profiles/k3s-base.yaml");
    await expect.poll(() => page.locator("#plan-behavior").textContent(), { timeout: 10_000 }).toBe("no-op");
    // The provider image's tag names the uri: changing it repaves.
    await page.locator("#to-editor .cm-content").click();
    await page.keyboard.press("Control+Home");
    const lineAtCursor = () =>
      page.evaluate(() => {
        const node = window.getSelection()?.anchorNode;
        const element = node instanceof Element ? node : node?.parentElement;
        return element?.closest(".cm-line")?.textContent ?? "";
      });
    for (let i = 0; i < 200 && !(await lineAtCursor()).includes("system.customTag: retail"); i++)
      await page.keyboard.press("ArrowDown");
    await page.keyboard.press("End");
    await page.keyboard.type("-2");
    await expect.poll(() => page.locator("#plan-behavior").textContent(), { timeout: 10_000 }).toBe("repave");
    expect(await page.locator("#plan-changes").textContent()).toContain("system.customTag");
    expect(await page.locator(".gantt .lane").count()).toBe(5);
    // A nested mapping on one line: the error is shown at its line:col, in the editor too.
    await page.keyboard.type(": x");
    await expect
      .poll(() => page.locator("#plan-errors").textContent(), { timeout: 10_000 })
      .toMatch(/profiles\/k3s-base\.yaml:\d+:\d+/);
    await expect
      .poll(() => page.locator("#to-editor .cm-lintRange-error").count(), { timeout: 5_000 })
      .toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("Replay: scrubbing to 10m shows Kubernetes down and the rollout paused; at the end every node is Ready", async () => {
    const page = await open("#replay");
    await page.selectOption("#scenario-file", "story-kubernetes-down-mid-rollout.yaml");
    await page.click("#run");
    await page.waitForSelector("#lane-table", { timeout: 30_000 });
    const scrub = (ms: number) =>
      page.$eval(
        "#scrubber",
        (el, value) => {
          const input = el as HTMLInputElement;
          input.value = String(value);
          input.dispatchEvent(new Event("input"));
        },
        ms,
      );
    await scrub(10 * 60_000);
    expect(await page.locator("#clock").textContent()).toBe("10m00s");
    expect(await page.locator('[data-lane="kubernetes"]').textContent()).toBe("down");
    expect(await page.locator('[data-lane="agent"]').textContent()).toBe("paused");
    expect(await page.locator('[data-lane="cp-1"]').textContent()).toBe("Ready");
    expect(await page.locator('[data-lane="cp-2"]').textContent()).toBe("rebooting");
    expect(await page.locator('[data-lane="cp-3"]').textContent()).toBe("Ready");
    await scrub(Number(await page.locator("#scrubber").getAttribute("max")));
    expect(await page.locator('[data-lane="kubernetes"]').textContent()).toBe("up");
    for (const node of ["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"])
      expect(await page.locator(`[data-lane="${node}"]`).textContent()).toBe("Ready");
    expect(await page.locator("#expectations").textContent()).toContain("✓ result is converged");
    expect(await seriousViolations(page)).toEqual([]);
  });

  const scrubTo = (page: Page, ms: number) =>
    page.$eval(
      "#scrubber",
      (el, value) => {
        const input = el as HTMLInputElement;
        input.value = String(value);
        input.dispatchEvent(new Event("input"));
      },
      ms,
    );
  const lane = (page: Page, name: string) => page.locator(`[data-lane="${name}"]`).textContent();

  it("Fleet: plans a fleet, draws its charts; opening a site (by keyboard) replays its own rollout", async () => {
    const page = await open("#fleet");
    await page.selectOption("#fleet-file", "fleet-plans/regional-stores.yaml");
    await page.click("#fleet-run");
    await page.waitForSelector("#site-table", { timeout: 60_000 });
    const frame = page.frameLocator("#fleet-charts");
    expect(await frame.locator("svg").count()).toBeGreaterThan(3);
    expect(await page.locator("#site-table caption").textContent()).toBe("9 of 9 sites (the first trial)");
    await page.fill("#site-filter", "nyc");
    expect(await page.locator("button.site").allTextContents()).toEqual(["nyc-001", "nyc-002"]);
    const row = page.locator("#site-table tr", { has: page.getByRole("button", { name: "nyc-002" }) });
    const startLocal = (await row.locator("td").nth(3).textContent()) as string;
    expect(startLocal).toMatch(/^2026-12-\d\d \d\d:\d\d EST$/);
    // By keyboard: the site's button takes focus and Enter opens it, on the Replay page.
    await page.getByRole("button", { name: "nyc-002" }).focus();
    await page.keyboard.press("Enter");
    await page.waitForSelector("#replay-site:not([hidden])", { timeout: 60_000 });
    expect(await page.locator("#page-fleet").isVisible()).toBe(false);
    expect(await page.evaluate(() => location.hash)).toBe("#replay");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("replay-site-title");
    expect(await page.locator("#replay-site-title").textContent()).toBe(
      "Site nyc-002 of fleet-plans/regional-stores.yaml",
    );
    expect(await page.locator("#replay-site-detail").textContent()).toContain(
      `wave rest · started ${startLocal}`,
    );
    // Its own lanes: a 1+3 store repaved one node at a time.
    const nodes = ["cp-1", "worker-1", "worker-2", "worker-3"];
    expect(await page.locator("#lane-table tbody tr").count()).toBe(2 + nodes.length);
    await scrubTo(page, 20 * 60_000);
    expect(await page.locator("#clock").textContent()).toMatch(/^20m00s \(2026-12-\d\d \d\d:\d\d EST\)$/);
    expect(await lane(page, "agent")).toBe("rolling out");
    const states = await Promise.all(nodes.map((n) => lane(page, n)));
    expect(states.filter((st) => st !== "Ready")).toHaveLength(1);
    expect(await page.locator("#events").textContent()).toContain("cp-1 node-rejoined");
    await scrubTo(page, Number(await page.locator("#scrubber").getAttribute("max")));
    expect(await lane(page, "agent")).toBe("finished");
    for (const n of nodes) expect(await lane(page, n)).toBe("Ready");
    expect(await seriousViolations(page)).toEqual([]);
    // Back to the fleet plan, as it was left.
    await page.click("#replay-site-back");
    await expect.poll(() => page.locator("#page-fleet").isVisible()).toBe(true);
    expect(await page.locator("#site-table").isVisible()).toBe(true);
  });

  it("Fleet: a fleet file's store blocked by a Kubernetes outage replays as blocked", async () => {
    const page = await open("#fleet");
    await page.selectOption("#fleet-file", "fleet/retail-wave-kubernetes-outage-blocks-one-store.yaml");
    await page.click("#fleet-run");
    await page.getByRole("button", { name: "store-002" }).click({ timeout: 60_000 });
    await page.waitForSelector("#replay-site:not([hidden])", { timeout: 60_000 });
    expect(await lane(page, "kubernetes")).toBe("down");
    expect(await lane(page, "agent")).toBe("blocked (kubernetes-down)");
    expect(await page.locator("#expectations").textContent()).toContain("result blocked");
    // A scenario picked afterwards replaces the site.
    await page.selectOption("#scenario-file", "story-kubernetes-down-mid-rollout.yaml");
    await expect.poll(() => page.locator("#replay-site").isHidden()).toBe(true);
  });

  it("Train, by keyboard only: go to the page, start, choose, answer, read the explanation", async () => {
    const page = await open("");
    // Tab to the fourth link of the navigation and follow it.
    for (let i = 0; i < 4; i++) await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Train");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#page-train").isVisible()).toBe(true);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("quiz-start");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#quiz:not([hidden])");
    expect(await page.locator("#quiz-progress").textContent()).toMatch(/^Question 1 of 5 · \w+/);
    // Focus is on the first choice: Space picks it, Enter answers.
    await page.keyboard.press("Space");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#quiz-verdict");
    expect(await page.locator("#quiz-verdict").textContent()).toMatch(/^(Correct|Not quite)/);
    expect((await page.locator("#quiz-feedback").textContent())?.length).toBeGreaterThan(40);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("quiz-next");
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("asked nothing of the network but the server", () => {
    expect(outside).toEqual([]);
  });
});
