import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";

/**
 * A step's duration as a distribution, fitted from a fleet's history (`edgesim calibrate`) or written by
 * hand: a log-normal given by its median and 90th percentile, or empirical quantiles (probability →
 * ms, piecewise linear between them, flat beyond the first and last). A plain duration stays a plain
 * number in `Timings` and is jittered as before; a distribution is drawn with one uniform number from the
 * same seeded generator, so the same seed gives the same draws.
 */
export type TimingDistribution =
  | { kind: "lognormal"; medianMs: number; p90Ms: number }
  | { kind: "quantiles"; points: readonly (readonly [probability: number, ms: number])[] };

/** The steps a timing can be given for (the keys of a `timings:` mapping). */
export const TIMED_STEPS = [
  "cordon",
  "drain",
  "repave",
  "reboot",
  "serviceRestart",
  "configReload",
  "rejoin",
  "agentRestart",
] as const;
export type TimedStep = (typeof TIMED_STEPS)[number];

export type StepDistributions = Partial<Record<TimedStep, TimingDistribution>>;

/** z of the 90th percentile of the standard normal. */
export const Z90 = normalQuantile(0.9, 0, 1);

/** A log-normal's sigma (of the log) from its median and p90. */
export function lognormalSigma(medianMs: number, p90Ms: number): number {
  return medianMs > 0 && p90Ms > medianMs ? Math.log(p90Ms / medianMs) / Z90 : 0;
}

/** The distribution's quantile at probability `u` (0 < u < 1), in ms (not rounded). */
export function quantileOf(d: TimingDistribution, u: number): number {
  if (d.kind === "lognormal") {
    const sigma = lognormalSigma(d.medianMs, d.p90Ms);
    if (sigma === 0) return d.medianMs;
    return d.medianMs * Math.exp(sigma * normalQuantile(u, 0, 1));
  }
  const points = d.points;
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return 0;
  if (u <= first[0]) return first[1];
  if (u >= last[0]) return last[1];
  for (let i = 1; i < points.length; i++) {
    const [p1, v1] = points[i] as readonly [number, number];
    if (u <= p1) {
      const [p0, v0] = points[i - 1] as readonly [number, number];
      return p1 === p0 ? v1 : v0 + ((v1 - v0) * (u - p0)) / (p1 - p0);
    }
  }
  return last[1];
}

/** The distribution's median in ms: the step's duration when nothing is drawn (jitter 0, predictions). */
export function medianOf(d: TimingDistribution): number {
  return Math.round(quantileOf(d, 0.5));
}

/**
 * One draw, rounded to whole ms, from a uniform number in [0, 1). The uniform is moved off 0 by half a
 * step of the generator's resolution so a log-normal never draws 0 or infinity.
 */
export function drawFrom(d: TimingDistribution, uniform: number): number {
  const u = Math.min(1 - 2 ** -33, Math.max(2 ** -33, uniform));
  return Math.max(0, Math.round(quantileOf(d, u)));
}
