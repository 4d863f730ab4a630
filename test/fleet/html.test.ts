import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { launchChromium } from "../fixtures/browser.js";

describe("the fleet report in a browser", () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("edgesim report FLEET -o: waves on a calendar, completion, disruption by zone, registry and the trial histogram", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgesim-fleet-html-"));
    const file = join(dir, "fleet.html");
    const io = memoryIo();
    expect(await main(["report", "scenarios/fleet-plans/regional-stores.yaml", "-o", file], io)).toBe(0);
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith("file://")) requests.push(r.url());
    });
    await page.goto(`file://${file}`);
    expect(await page.locator("#summary").textContent()).toContain("9 sites, 35 nodes");
    // Two waves (canary, rest), drawn left to right in order.
    const waves = page.locator("rect.wave");
    expect(await waves.count()).toBe(2);
    const [a, b] = [await waves.nth(0).boundingBox(), await waves.nth(1).boundingBox()];
    expect((a?.x ?? 0) < (b?.x ?? 0)).toBe(true);
    expect(await page.locator("path.completion").count()).toBe(1);
    // Eight stores rolled (kiosk-001 fits no window); every disrupted-hour bar names a zone of the inventory.
    const titles = await page.locator("rect.disrupted title").allTextContents();
    expect(titles.length).toBeGreaterThan(0);
    for (const t of titles) expect(t).toMatch(/^America\/(New_York|Chicago|Denver|Los_Angeles): \d+ site/);
    expect(await page.locator("path.registry").count()).toBe(1);
    // Three trials in the histogram.
    const bins = await page.locator("rect.bin title").allTextContents();
    expect(bins.reduce((n, t) => n + Number(/: (\d+) trial/.exec(t)?.[1] ?? 0), 0)).toBe(3);
    expect(requests).toEqual([]);
    await page.screenshot({ path: join(dir, "fleet.png"), fullPage: true });
    await page.close();
  });
});
