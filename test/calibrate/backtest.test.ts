import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../fixtures/browser.js";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";

/*
 * `edgesim backtest`, `--timings` on fleet and run, and the fleet summary's timings line, through the
 * built CLI on the bundled example history (scripts/gen-history.js).
 */
const ROOT = resolve(import.meta.dirname, "../..");
const HISTORY = readdirSync(join(ROOT, "examples/history"))
  .filter((f) => f.startsWith("prometheus-") || f === "events.ndjson" || f === "intervals.csv")
  .map((f) => join("examples/history", f));
const COMMON = [
  "--rollouts",
  "examples/history/rollouts.yaml",
  "--inventory",
  "examples/history/inventory.csv",
];

let dir: string;
let timings: string;
const run = (args: string[]) => spawnEdgesim(args, { cwd: ROOT, timeoutMs: 240_000 });

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "edgesim-backtest-"));
  timings = join(dir, "timings.yaml");
  const r = run(["calibrate", ...HISTORY, ...COMMON, "--class-label", "hardware", "-o", timings]);
  expect(r.status, r.stderr).toBe(0);
}, 240_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("edgesim backtest", () => {
  it("forecasts the later rollouts with calibrated 90 % intervals, and draws them on a page", async () => {
    const html = join(dir, "backtest.html");
    const args = ["backtest", ...HISTORY, ...COMMON, "--train-until", "2026-10-27T00:00Z", "--trials", "100"];
    const r = run([...args, "--json", "--html", html]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.training.rollouts).toBe(13);
    expect(out.rollouts).toHaveLength(7);
    expect(out.sites).toHaveLength(175);
    expect(out.coverage["90"].actual).toBeGreaterThanOrEqual(0.85);
    expect(out.coverage["90"].actual).toBeLessThanOrEqual(0.95);
    expect(out.mdape).toBeLessThan(0.2);
    for (const s of out.sites) {
      const f = s.forecastMs;
      expect(f.p5 <= f.p25 && f.p25 <= f.p50 && f.p50 <= f.p75 && f.p75 <= f.p95).toBe(true);
      expect(s.in90).toBe(s.actualMs >= f.p5 && s.actualMs <= f.p95);
    }
    // The same seed gives the same bytes.
    expect(run([...args, "--json"]).stdout).toBe(r.stdout);
    const text = run(args).stdout;
    expect(text).toMatch(/^90 % {6}90 % {5}\d+\.\d % +\(\d+ of 175 sites\)$/m);
    expect(text).toMatch(/^os-patch-20 +25 +2026-11-08 /m);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      await page.goto(`file://${html}`);
      expect(await page.locator("#coverage svg").count()).toBeGreaterThanOrEqual(1);
      expect(await page.locator("section.chart").count()).toBe(7);
      // Each rollout's chart has a dot per site (its actual duration) and two interval bars per site.
      expect(await page.locator("#rollout-os-patch-14 svg circle").count()).toBe(25);
      expect(await page.locator("#summary").textContent()).toContain("175 sites");
      await page.screenshot({ path: join(dir, "backtest.png"), fullPage: false });
    } finally {
      await browser.close();
    }
  }, 600_000);

  it("refuses a date with nothing to forecast or nothing to fit, naming the option", () => {
    const late = run(["backtest", ...HISTORY, ...COMMON, "--train-until", "2027-01-01T00:00Z"]);
    expect(late.status).toBe(1);
    expect(late.stderr).toContain("no rollout starts at or after --train-until 2027-01-01T00:00Z");
    const bad = run(["backtest", ...HISTORY, ...COMMON, "--train-until", "soon"]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--train-until: "soon" is not an ISO 8601 date-time');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  }, 240_000);
});

describe("timings from a file", () => {
  it("the fleet summary says it rests on the defaults, or on the file it was given", () => {
    const plain = run(["fleet", "examples/history/fleet.yaml", "--trials", "2", "--json"]);
    expect(plain.status).toBe(0);
    expect(JSON.parse(plain.stdout).summary.timings).toMatchObject({ source: "defaults", classes: 0 });
    const text = run(["fleet", "examples/history/fleet.yaml", "--trials", "2"]).stdout;
    expect(text).toMatch(/^timings {8}the defaults \(a guess/m);

    const given = run([
      "fleet",
      "examples/history/fleet.yaml",
      "--trials",
      "2",
      "--timings",
      timings,
      "--json",
    ]);
    expect(given.stderr).toBe("");
    const summary = JSON.parse(given.stdout).summary;
    expect(summary.timings).toMatchObject({
      source: "file",
      file: timings,
      distributions: ["cordon", "drain", "reboot"],
      classes: 2,
      classSites: 100,
      failureRate: { behavior: "reboot" },
    });
    // The fitted drains (p90 about 3 m) reach past the reboot profile's 120 s drain timeout: said, not hidden.
    expect(summary.timings.drainCapped.timeoutMs).toBe(120_000);
    expect(summary.timings.drainCapped.p90Ms).toBeGreaterThan(150_000);
    // Fitted timings (a 6 m reboot, 30 s between nodes) make the rollout longer than the 4 m default guess.
    expect(summary.durationMs).toBeGreaterThan(JSON.parse(plain.stdout).summary.durationMs);
    // Seeded draws: the same seed, the same bytes.
    expect(
      run(["fleet", "examples/history/fleet.yaml", "--trials", "2", "--timings", timings, "--json"]).stdout,
    ).toBe(given.stdout);
  }, 240_000);

  it("run takes a timings file for a scenario, and names the place of a bad one", () => {
    const scenario = "scenarios/k3s-os-stage-after-install-reboots.yaml";
    const base = JSON.parse(run(["run", scenario, "--json"]).stdout);
    const slow = join(dir, "slow.yaml");
    writeFileSync(slow, "timings:\n  reboot: 30m\n");
    const timed = JSON.parse(run(["run", scenario, "--json", "--timings", slow]).stdout);
    expect(timed.durationMs).toBeGreaterThan(base.durationMs + 20 * 60_000);

    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "timings:\n  reboot: { lognormal: { median: 9m, p90: 3m } }\n");
    const r = run(["run", scenario, "--timings", bad]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml:2:\d+: .*p90 is shorter than the median/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const fleetFile = run([
      "run",
      `scenarios/fleet/${readdirSync(join(ROOT, "scenarios/fleet"))[0]}`,
      "--timings",
      slow,
    ]);
    expect(fleetFile.status).toBe(1);
    expect(fleetFile.stderr).toContain("--timings is for scenarios and fleet plans");
  }, 240_000);

  it("a fleet plan gives timings per hardware class, and the summary counts the sites that take them", () => {
    const plan = readFileSync(join(ROOT, "examples/history/fleet.yaml"), "utf8")
      .replaceAll("../../scenarios/", `${ROOT}/scenarios/`)
      .replace("inventory.csv", join(ROOT, "examples/history/inventory.csv"))
      .replace(
        "cluster:\n",
        "cluster:\n  classes:\n    - select: { labels: { hardware: nuc } }\n      timings: { reboot: { quantiles: { p10: 20m, p50: 25m, p90: 30m } } }\n",
      );
    const file = join(dir, "classes.yaml");
    writeFileSync(file, plan);
    {
      const r = run(["fleet", file, "--trials", "1", "--json", "--allow-outside"]);
      expect(r.stderr).toBe("");
      const out = JSON.parse(r.stdout);
      expect(out.summary.timings).toMatchObject({
        source: "plan",
        classes: 1,
        classSites: 50,
        distributions: ["reboot"],
      });
      // Four 25 m reboots on a nuc store: far longer than the default 4 m.
      expect(out.summary.durationMs).toBeGreaterThan(4 * 20 * 60_000);
    }
  }, 240_000);
});
