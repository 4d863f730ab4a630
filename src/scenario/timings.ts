import type { z } from "zod";
import { parseDuration } from "../shared/duration.js";
import {
  medianOf,
  type StepDistributions,
  TIMED_STEPS,
  type TimedStep,
  type TimingDistribution,
} from "../shared/timing-distribution.js";
import type { Timings } from "../sim/types.js";
import type { timingSchema, timingsSchema } from "./schema.js";

export type TimingsSpec = z.output<typeof timingsSchema>;
type TimingSpec = z.output<typeof timingSchema>;

/** Where a problem in a `timings:` mapping stands, relative to the mapping. */
export type TimingProblem = (path: (string | number)[], message: string) => void;

/**
 * A step's timing as written, in ms: a duration, or a distribution (its median is the step's plain
 * duration). Orders are checked: a log-normal's p90 is at least its median; quantiles rise with p.
 */
export function parseTiming(
  given: TimingSpec,
  problem: TimingProblem = () => {},
): { ms: number; distribution?: TimingDistribution } | undefined {
  if (typeof given === "string" || typeof given === "number") {
    const ms = parseDuration(given);
    return ms === undefined ? undefined : { ms };
  }
  if ("lognormal" in given) {
    const medianMs = parseDuration(given.lognormal.median);
    const p90Ms = parseDuration(given.lognormal.p90);
    if (medianMs === undefined || p90Ms === undefined) return undefined;
    if (p90Ms < medianMs) {
      problem(
        ["lognormal", "p90"],
        "p90 is shorter than the median; a log-normal's p90 is at least its median",
      );
      return undefined;
    }
    if (medianMs === 0) {
      problem(["lognormal", "median"], "a log-normal's median is above 0");
      return undefined;
    }
    const distribution: TimingDistribution = { kind: "lognormal", medianMs, p90Ms };
    return { ms: medianOf(distribution), distribution };
  }
  const points: [number, number][] = [];
  for (const [key, value] of Object.entries(given.quantiles)) {
    const ms = parseDuration(value);
    if (ms === undefined) return undefined;
    points.push([Number(key.slice(1)) / 100, ms]);
  }
  points.sort((a, b) => a[0] - b[0]);
  if (points.length < 2) {
    problem(["quantiles"], "give at least two quantiles (e.g. p10 and p90)");
    return undefined;
  }
  for (let i = 1; i < points.length; i++) {
    const [p, ms] = points[i] as [number, number];
    if (ms < (points[i - 1] as [number, number])[1]) {
      problem(["quantiles", `p${p * 100}`], "quantiles must not fall as p rises");
      return undefined;
    }
  }
  const distribution: TimingDistribution = { kind: "quantiles", points };
  return { ms: medianOf(distribution), distribution };
}

/** A `timings:` mapping (durations or distributions as written) in ms, distributions beside. */
export function parseTimings(given: TimingsSpec = {}, problem: TimingProblem = () => {}): Partial<Timings> {
  const out: Partial<Timings> = {};
  const distributions: StepDistributions = {};
  for (const step of TIMED_STEPS) {
    const value = given[step];
    if (value === undefined) continue;
    const parsed = parseTiming(value, (path, message) => problem([step, ...path], message));
    if (!parsed) continue;
    out[`${step}Ms` as const] = parsed.ms;
    if (parsed.distribution) distributions[step] = parsed.distribution;
  }
  if (given.jitter !== undefined) out.jitter = given.jitter;
  // Only present when some step is a distribution: plain files keep the exact timings they had.
  if (Object.keys(distributions).length > 0) out.distributions = distributions;
  return out;
}

/** `override`'s steps over `base`'s (a timings file over a scenario's or plan's own `timings:`). */
export function overlayTimings(base: Partial<Timings>, override: Partial<Timings>): Partial<Timings> {
  const merged: Partial<Timings> = { ...base, ...override };
  const distributions: StepDistributions = { ...(base.distributions ?? {}) };
  for (const step of TIMED_STEPS) {
    if (override[`${step}Ms` as const] === undefined) continue;
    const d = override.distributions?.[step];
    if (d) distributions[step] = d;
    else delete distributions[step];
  }
  if (Object.keys(distributions).length > 0) merged.distributions = distributions;
  else delete merged.distributions;
  return merged;
}

export type { TimedStep };
