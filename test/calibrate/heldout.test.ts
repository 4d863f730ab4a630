import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backtest, backtest } from "../../src/calibrate/backtest.js";

/*
 * The back-test on held-out histories generated from known parameters (scripts/gen-history.js, a seed
 * each, not the bundled example's): fitted on the first 13 rollouts, forecasting the last 7 (175 sites a
 * seed). A forecast that is calibrated holds the actual duration in its 90 % interval about 90 % of the
 * time, and in its 50 % interval about half the time, over every site of every seed.
 */
const ROOT = resolve(import.meta.dirname, "../..");
const SEEDS = [11, 12, 13];

let dir: string;
const results: Backtest[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "edgesim-heldout-"));
  for (const seed of SEEDS) {
    const out = join(dir, `seed-${seed}`);
    execFileSync(process.execPath, [join(ROOT, "scripts/gen-history.js"), out, "--seed", String(seed)]);
    const history = readdirSync(out)
      .filter((f) => f.startsWith("prometheus-") || f === "events.ndjson" || f === "intervals.csv")
      .sort()
      .map((f) => join(out, f));
    results.push(
      backtest(history, {
        rollouts: join(out, "rollouts.yaml"),
        inventory: join(out, "inventory.csv"),
        classLabel: "hardware",
        trainUntilMs: Date.parse("2026-10-27T00:00:00Z"),
        trials: 100,
        seed: 1,
      }),
    );
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("backtest on held-out histories from known parameters", () => {
  it("forecasts every held-out site", () => {
    expect(results).toHaveLength(SEEDS.length);
    for (const r of results) {
      expect(r.training.rollouts).toBe(13);
      expect(r.rollouts).toHaveLength(7);
      expect(r.sites).toHaveLength(175);
    }
  });

  it("holds the actual duration in 85–95 % of the 90 % intervals and 40–60 % of the 50 % intervals", () => {
    const sites = results.flatMap((r) => r.sites);
    const share = (inside: (s: (typeof sites)[0]) => boolean) => sites.filter(inside).length / sites.length;
    const in90 = share((s) => s.in90);
    const in50 = share((s) => s.in50);
    expect(in90).toBeGreaterThanOrEqual(0.85);
    expect(in90).toBeLessThanOrEqual(0.95);
    expect(in50).toBeGreaterThanOrEqual(0.4);
    expect(in50).toBeLessThanOrEqual(0.6);
    // Misses fall on both sides: the forecast is not shifted one way.
    const above = share((s) => s.actualMs > s.p95);
    const below = share((s) => s.actualMs < s.p5);
    expect(above).toBeGreaterThan(0.01);
    expect(below).toBeGreaterThan(0.01);
    expect(share((s) => s.actualMs > s.p50)).toBeGreaterThan(0.4);
    expect(share((s) => s.actualMs > s.p50)).toBeLessThan(0.6);
  });

  it("each seed alone stays near the nominal 90 %", () => {
    for (const r of results) {
      expect(r.coverage90).toBeGreaterThanOrEqual(0.8);
      expect(r.coverage90).toBeLessThanOrEqual(0.97);
    }
  });
});
