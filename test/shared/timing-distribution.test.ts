import { describe, expect, it } from "vitest";
import { jobDurations, resolveTimings } from "../../src/controller/durations.js";
import { parseTimings } from "../../src/scenario/timings.js";
import { Rng } from "../../src/shared/rng.js";
import { drawFrom, quantileOf } from "../../src/shared/timing-distribution.js";

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const at = (xs: number[], p: number) => xs[Math.floor(p * (xs.length - 1))] as number;

describe("timing distributions", () => {
  it("a log-normal's draws have its median and p90", () => {
    const rng = new Rng(3);
    const d = { kind: "lognormal" as const, medianMs: 360_000, p90Ms: 540_000 };
    const draws = sorted(Array.from({ length: 20_000 }, () => drawFrom(d, rng.next())));
    expect(at(draws, 0.5) / 360_000).toBeCloseTo(1, 1);
    expect(at(draws, 0.9) / 540_000).toBeCloseTo(1, 1);
  });

  it("empirical quantiles interpolate between points and stay flat beyond them", () => {
    const d = {
      kind: "quantiles" as const,
      points: [
        [0.1, 10_000],
        [0.5, 20_000],
        [0.9, 60_000],
      ] as const,
    };
    expect(quantileOf(d, 0.05)).toBe(10_000);
    expect(quantileOf(d, 0.3)).toBeCloseTo(15_000, 6);
    expect(quantileOf(d, 0.7)).toBeCloseTo(40_000, 6);
    expect(quantileOf(d, 0.99)).toBe(60_000);
  });

  it("parses durations, log-normals and quantiles; a plain file has no distributions", () => {
    expect(parseTimings({ repave: "10m", jitter: 0.2 })).toEqual({ repaveMs: 600_000, jitter: 0.2 });
    const parsed = parseTimings({
      reboot: { lognormal: { median: "6m", p90: "9m" } },
      drain: { quantiles: { p10: "20s", p50: "40s", p90: "2m" } },
    });
    expect(parsed.rebootMs).toBe(360_000);
    expect(parsed.drainMs).toBe(40_000);
    expect(parsed.distributions?.reboot).toEqual({ kind: "lognormal", medianMs: 360_000, p90Ms: 540_000 });
  });

  it("says where a distribution is out of order", () => {
    const problems: string[] = [];
    parseTimings({ reboot: { lognormal: { median: "6m", p90: "1m" } } }, (path, message) =>
      problems.push(`${path.join(".")}: ${message}`),
    );
    expect(problems).toEqual([
      "reboot.lognormal.p90: p90 is shorter than the median; a log-normal's p90 is at least its median",
    ]);
  });

  it("draws a job's steps from the seed: same seed, same durations; jitter 0 gives the medians", () => {
    const timings = resolveTimings(parseTimings({ reboot: { lognormal: { median: "6m", p90: "9m" } } }));
    const target = { drain: { cordon: true, timeoutMs: 600_000 } } as never;
    const a = jobDurations(new Rng(9), timings, "reboot", target);
    const b = jobDurations(new Rng(9), timings, "reboot", target);
    expect(a).toEqual(b);
    expect(a.actionMs).not.toBe(360_000);
    const still = jobDurations(new Rng(9), { ...timings, jitter: 0 }, "reboot", target);
    expect(still.actionMs).toBe(360_000);
  });
});
