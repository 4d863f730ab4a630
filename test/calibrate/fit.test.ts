import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";
import { describe, expect, it } from "vitest";
import { fitDurations, wilson } from "../../src/calibrate/fit.js";
import { Rng } from "../../src/shared/rng.js";

/** Durations from a log-normal, each seen as a scraper 30 s apart sees it: between sample times. */
function scraped(
  rng: Rng,
  n: number,
  medianMs: number,
  p90Ms: number,
  stepMs = 30_000,
): [number, number, true][] {
  const sigma = Math.log(p90Ms / medianMs) / normalQuantile(0.9, 0, 1);
  return Array.from({ length: n }, () => {
    const x =
      medianMs * Math.exp(sigma * normalQuantile(Math.min(0.999999, Math.max(1e-6, rng.next())), 0, 1));
    const start = rng.next() * stepMs;
    const end = start + x;
    const a0 = Math.floor(start / stepMs) * stepMs;
    const b0 = Math.floor(end / stepMs) * stepMs;
    return [b0 - (a0 + stepMs), b0 + stepMs - a0, true];
  });
}

describe("interval-censored log-normal fit", () => {
  it.each([
    ["a short drain (median 50 s)", 50_000, 90_000],
    ["a reboot (median 6 m)", 360_000, 540_000],
    ["a repave (median 25 m)", 1_500_000, 2_700_000],
  ])("recovers %s from 2,000 scraped samples: median within 10 %, p90 within 15 %", (_, median, p90) => {
    const fit = fitDurations(scraped(new Rng(11), 2000, median, p90));
    if ("tooFew" in fit) throw new Error("fitted nothing");
    expect(fit.kind).toBe("lognormal");
    expect(Math.abs(fit.medianMs / median - 1)).toBeLessThan(0.1);
    expect(Math.abs(fit.p90Ms / p90 - 1)).toBeLessThan(0.15);
  });

  it("is less biased on short steps than treating k × 30 s as exact", () => {
    const data = scraped(new Rng(5), 2000, 40_000, 60_000);
    const fit = fitDurations(data);
    if ("tooFew" in fit) throw new Error("fitted nothing");
    const exact = fitDurations(data.map(([lo, hi]) => [(lo + hi) / 2, (lo + hi) / 2] as [number, number]));
    if ("tooFew" in exact) throw new Error("fitted nothing");
    // The log-normal each would fit (treating midpoints as exact also fails the goodness of fit: steps of 30 s).
    const p90 = (f: { mu: number; sigma: number }) => Math.exp(f.mu + f.sigma * normalQuantile(0.9, 0, 1));
    expect(Math.abs(p90(fit) / 60_000 - 1)).toBeLessThan(0.15);
    expect(Math.abs(p90(fit) / 60_000 - 1)).toBeLessThan(Math.abs(p90(exact) / 60_000 - 1));
  });

  it("rejects the log-normal for a two-humped sample and gives empirical quantiles", () => {
    const rng = new Rng(2);
    const data = Array.from({ length: 2000 }, (_, i) => {
      const x = (i % 2 === 0 ? 60_000 : 600_000) * (0.95 + 0.1 * rng.next());
      return [x, x] as [number, number];
    });
    const fit = fitDurations(data);
    if ("tooFew" in fit) throw new Error("fitted nothing");
    expect(fit.kind).toBe("quantiles");
    expect(fit.ksDistance).toBeGreaterThan(fit.ksCritical);
    expect(fit.quantiles?.length).toBeGreaterThan(3);
  });

  it("reports a too-small sample with its count instead of fitting it", () => {
    expect(fitDurations([[1000, 2000]])).toEqual({ n: 1, tooFew: true });
  });

  it("gives the Wilson interval of a failure rate", () => {
    const w = wilson(30, 1000);
    expect(w.p).toBe(0.03);
    expect(w.low).toBeCloseTo(0.0211, 3);
    expect(w.high).toBeCloseTo(0.0425, 3);
  });
});
