import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";
import { Z90 } from "../shared/timing-distribution.js";

/**
 * Fits a step's durations, each known only to an interval [lo, hi] (a scrape step either side, or a
 * second for events): a log-normal by maximum likelihood of the intervals themselves (interval
 * censoring), so `k × 30 s` is never taken as exact. A duration between two instants each seen by the
 * same scraper (or truncated to the same second) is `k × step` with probability
 * max(0, 1 − |k × step − d| / step) given its true length d: such an interval (`triangular`) contributes
 * that kernel integrated against the density (closed form in the normal CDF: the log-normal's partial
 * expectations); any other interval (a gap) contributes P(lo < X ≤ hi); an exact one, the density. Goodness of fit is a Kolmogorov-Smirnov distance that respects the censoring: the
 * empirical CDF is only known between the share of intervals ending by t and the share starting by t,
 * and D is how far the fitted CDF strays outside that band. When D is larger than the 5 % critical value
 * (1.36/√n, at least 0.03), the fit is rejected and empirical quantiles (of the midpoints) are used.
 */
export const MIN_SAMPLES = 30;

export interface Fitted {
  n: number;
  kind: "lognormal" | "quantiles";
  medianMs: number;
  p90Ms: number;
  /** Log-normal parameters (also given when the empirical quantiles are used, for reference). */
  mu: number;
  sigma: number;
  /** Censoring-aware KS distance of the log-normal fit, and the critical value it was held to. */
  ksDistance: number;
  ksCritical: number;
  /** Empirical quantiles (p → ms) when the log-normal fits badly. */
  quantiles?: [number, number][];
}

export type FitResult = Fitted | { n: number; tooFew: true };

const EMPIRICAL_PS = [0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1];

/** A duration known to lie in [lo, hi]; `triangular` when it is the difference of two scraped instants. */
export type Censored =
  | readonly [lo: number, hi: number]
  | readonly [lo: number, hi: number, triangular: true];

/** Equal intervals counted once with a weight: what the fit, its KS band and the quantiles are computed from. */
interface Group {
  /** The interval as observed (the KS band and the midpoints use these). */
  rawLo: number;
  rawHi: number;
  /** As the likelihood reads it: a plain interval starts at 0 (a triangular kernel keeps its centre). */
  lo: number;
  hi: number;
  triangular: boolean;
  w: number;
}

/**
 * A step's durations as counts per distinct interval: scraped histories repeat the same few (lo, hi)
 * pairs thousands of times, so the fit holds a few hundred groups however many intervals it is given,
 * and each interval can be added as it is found, without keeping it.
 */
export class DurationSample {
  /** lo → hi → [plain, triangular] counts. */
  private readonly byLo = new Map<number, Map<number, Group[]>>();
  n = 0;

  add(lo: number, hi: number, triangular: boolean): void {
    this.n++;
    let byHi = this.byLo.get(lo);
    if (!byHi) {
      byHi = new Map();
      this.byLo.set(lo, byHi);
    }
    let pair = byHi.get(hi);
    if (!pair) {
      pair = [];
      byHi.set(hi, pair);
    }
    const slot = triangular ? 1 : 0;
    const g = pair[slot];
    if (g) g.w++;
    else {
      // A triangular kernel keeps its own centre (its low end may be below 0); a plain interval starts at 0.
      const kernel = triangular && hi - lo >= 1;
      pair[slot] = {
        rawLo: lo,
        rawHi: hi,
        lo: kernel ? lo : Math.max(0, lo),
        hi: Math.max(1, hi),
        triangular: kernel,
        w: 1,
      };
    }
  }

  /** The groups in one order whatever order the intervals came in (the likelihood's sum is then the same). */
  groups(): Group[] {
    const out: Group[] = [];
    for (const lo of [...this.byLo.keys()].sort((a, b) => a - b)) {
      const byHi = this.byLo.get(lo) as Map<number, Group[]>;
      for (const hi of [...byHi.keys()].sort((a, b) => a - b))
        for (const g of byHi.get(hi) as Group[]) if (g) out.push(g);
    }
    return out;
  }
}

function logLikelihood(groups: readonly Group[], mu: number, sigma: number): number {
  const cdf = (x: number) => (x <= 0 ? 0 : normalCdf(Math.log(x), mu, sigma));
  // ∫_0^x d f(d) dd of the log-normal: its partial expectation.
  const meanScale = Math.exp(mu + (sigma * sigma) / 2);
  const partial = (x: number) => (x <= 0 ? 0 : meanScale * normalCdf(Math.log(x), mu + sigma * sigma, sigma));
  let total = 0;
  for (const g of groups) {
    let p: number;
    if (g.hi - g.lo < 1) {
      const x = Math.log(g.hi);
      const z = (x - mu) / sigma;
      total += g.w * (-0.5 * z * z - Math.log(sigma) - x - 0.9189385332046727);
      continue;
    }
    if (g.triangular) {
      const m = (g.lo + g.hi) / 2;
      const s = (g.hi - g.lo) / 2;
      const a = m - s;
      const b = m + s;
      const left = (cdf(m) - cdf(a)) * (1 - m / s) + (partial(m) - partial(a)) / s;
      const right = (cdf(b) - cdf(m)) * (1 + m / s) - (partial(b) - partial(m)) / s;
      p = left + right;
    } else p = cdf(g.hi) - cdf(g.lo);
    if (!(p > 0)) return Number.NEGATIVE_INFINITY;
    total += g.w * Math.log(p);
  }
  return total;
}

/** Nelder-Mead on (mu, log sigma): two parameters, a smooth likelihood; a few hundred steps. */
function maximise(f: (x: [number, number]) => number, start: [number, number]): [number, number] {
  let simplex: { x: [number, number]; v: number }[] = [
    start,
    [start[0] + 0.1, start[1]],
    [start[0], start[1] + 0.1],
  ].map((x) => ({ x: x as [number, number], v: -f(x as [number, number]) }));
  for (let iter = 0; iter < 500; iter++) {
    simplex.sort((a, b) => a.v - b.v);
    const [best, mid, worst] = simplex as [(typeof simplex)[0], (typeof simplex)[0], (typeof simplex)[0]];
    if (
      Math.abs(worst.v - best.v) < 1e-10 &&
      Math.hypot(worst.x[0] - best.x[0], worst.x[1] - best.x[1]) < 1e-8
    )
      break;
    const c: [number, number] = [(best.x[0] + mid.x[0]) / 2, (best.x[1] + mid.x[1]) / 2];
    const at = (t: number): { x: [number, number]; v: number } => {
      const x: [number, number] = [c[0] + t * (worst.x[0] - c[0]), c[1] + t * (worst.x[1] - c[1])];
      return { x, v: -f(x) };
    };
    const reflected = at(-1);
    if (reflected.v < best.v) {
      const expanded = at(-2);
      simplex = [best, mid, expanded.v < reflected.v ? expanded : reflected];
    } else if (reflected.v < mid.v) simplex = [best, mid, reflected];
    else {
      const contracted = reflected.v < worst.v ? at(-0.5) : at(0.5);
      if (contracted.v < Math.min(worst.v, reflected.v)) simplex = [best, mid, contracted];
      else {
        const shrink = (p: { x: [number, number] }) => {
          const x: [number, number] = [(best.x[0] + p.x[0]) / 2, (best.x[1] + p.x[1]) / 2];
          return { x, v: -f(x) };
        };
        simplex = [best, shrink(mid), shrink(worst)];
      }
    }
  }
  simplex.sort((a, b) => a.v - b.v);
  return (simplex[0] as { x: [number, number] }).x;
}

/** Values with weights, sorted, as one sorted list would hold them. */
function weighted(pairs: [number, number][]): [number, number][] {
  return pairs.sort((a, b) => a[0] - b[0]);
}

/** The censoring-aware KS distance of a CDF against interval data (as counts per interval). */
function ksDistance(groups: readonly Group[], n: number, cdf: (ms: number) => number): number {
  const los = weighted(groups.map((g) => [g.rawLo, g.w]));
  const his = weighted(groups.map((g) => [g.rawHi, g.w]));
  const points = [...new Set([...los.map(([x]) => x), ...his.map(([x]) => x)])].sort((a, b) => a - b);
  let d = 0;
  let endedBy = 0; // intervals with hi ≤ t: surely done by t
  let startedBy = 0; // intervals with lo ≤ t: possibly done by t
  let h = 0;
  let l = 0;
  for (const t of points) {
    for (; h < his.length && (his[h] as [number, number])[0] <= t; h++)
      endedBy += (his[h] as [number, number])[1];
    for (; l < los.length && (los[l] as [number, number])[0] <= t; l++)
      startedBy += (los[l] as [number, number])[1];
    const f = cdf(t);
    // Just before t, too: the band and the CDF both jump at data points.
    d = Math.max(d, endedBy / n - f, f - startedBy / n);
  }
  return Math.max(0, d);
}

/** The p-quantile of a sorted sample given as (value, count) pairs, interpolated as over the whole list. */
function empiricalQuantile(sorted: readonly [number, number][], n: number, p: number): number {
  if (n === 0) return 0;
  const at = p * (n - 1);
  const i = Math.floor(at);
  const nth = (k: number) => {
    let seen = 0;
    for (const [x, w] of sorted) {
      seen += w;
      if (k < seen) return x;
    }
    return (sorted[sorted.length - 1] as [number, number])[0];
  };
  const a = nth(i);
  const b = nth(Math.min(i + 1, n - 1));
  return a + (b - a) * (at - i);
}

/** A step's durations, each known only to an interval: the fit of them (see `fitSample`). */
export function fitDurations(intervals: readonly Censored[]): FitResult {
  const sample = new DurationSample();
  for (const interval of intervals) sample.add(interval[0], interval[1], interval[2] === true);
  return fitSample(sample);
}

export function fitSample(sample: DurationSample): FitResult {
  const n = sample.n;
  if (n < MIN_SAMPLES) return { n, tooFew: true };
  const groups = sample.groups();
  const mids = weighted(groups.map((g) => [Math.max(1, (g.rawLo + g.rawHi) / 2), g.w]));
  // Summed one by one in sorted order, as over the list of every midpoint.
  let sum = 0;
  for (const [x, w] of mids) {
    const log = Math.log(x);
    for (let k = 0; k < w; k++) sum += log;
  }
  const mean = sum / n;
  let squares = 0;
  for (const [x, w] of mids) {
    const dev = (Math.log(x) - mean) ** 2;
    for (let k = 0; k < w; k++) squares += dev;
  }
  const sd = Math.sqrt(squares / n) || 0.1;
  const [mu, logSigma] = maximise(([m, ls]) => logLikelihood(groups, m, Math.exp(ls)), [mean, Math.log(sd)]);
  const sigma = Math.exp(logSigma);
  const cdf = (ms: number) => (ms <= 0 ? 0 : normalCdf(Math.log(ms), mu, sigma));
  const distance = ksDistance(groups, n, cdf);
  const critical = Math.max(0.03, 1.36 / Math.sqrt(n));
  const lognormal = {
    n,
    mu,
    sigma,
    ksDistance: distance,
    ksCritical: critical,
    medianMs: Math.exp(mu),
    p90Ms: Math.exp(mu + sigma * Z90),
  };
  if (distance <= critical) return { ...lognormal, kind: "lognormal" };
  const quantiles = EMPIRICAL_PS.map((p) => [p, empiricalQuantile(mids, n, p)] as [number, number]);
  return {
    ...lognormal,
    kind: "quantiles",
    medianMs: empiricalQuantile(mids, n, 0.5),
    p90Ms: empiricalQuantile(mids, n, 0.9),
    quantiles,
  };
}

export interface Proportion {
  failures: number;
  attempts: number;
  p: number;
  /** Wilson score interval at 95 %. */
  low: number;
  high: number;
}

/** A per-attempt failure probability with its Wilson score interval (95 %). */
export function wilson(failures: number, attempts: number, level = 0.95): Proportion {
  if (attempts === 0) return { failures, attempts, p: 0, low: 0, high: 1 };
  const z = normalQuantile(1 - (1 - level) / 2, 0, 1);
  const p = failures / attempts;
  const denominator = 1 + (z * z) / attempts;
  const centre = (p + (z * z) / (2 * attempts)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / attempts + (z * z) / (4 * attempts * attempts))) / denominator;
  return { failures, attempts, p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
