import { bundledProfiles, DEFAULT_LINK_MBPS, type Site } from "../fleet/load.js";
import { rollSite, type SiteOutcome, type SiteSimPlan } from "../fleet/map.js";
import { loadProfileFile } from "../profile/file.js";
import { cachedPlanner } from "../rules/plan-cache.js";
import { classOf, type TimingsFile, timingsFileOf } from "../scenario/timings-file.js";
import { InputError } from "../shared/diagnostics.js";
import { hashSeed } from "../shared/hash.js";
import type { NodeAction } from "../shared/types.js";
import { parseYamlFile } from "../shared/yaml.js";
import { simProfile } from "../sim/input.js";
import type { SimProfile } from "../sim/types.js";
import { type Calibration, calibrateHistory, calibrationYaml } from "./calibrate.js";
import { DEFAULT_MAX_SPELL_MS } from "./extract.js";
import { loadInventory, loadRollouts, type Rollout } from "./rollouts.js";

/**
 * `edgesim backtest`: fit on the history before `--train-until`, forecast every rollout that starts
 * after it with the fleet engine (each site simulated `trials` times with the fitted timings, its class's
 * where it has one, and the fitted failure rate), then compare with what happened: per site, whether
 * the actual duration fell inside the forecast's 50 % and 90 % intervals; the median absolute
 * percentage error of the forecast median; per rollout, the forecast end against the actual end.
 *
 * The rollouts file says when a rollout ran and what it did, not in what order its sites went: the
 * forecast starts every site of a rollout at the rollout's `from`, and simulates it with bundled profiles
 * whose update takes the rollout's behavior, on the site's inventory shape.
 */
export interface BacktestOptions {
  rollouts: string;
  inventory: string;
  trainUntilMs: number;
  trials: number;
  seed: number;
  classLabel?: string;
  siteLabel?: string;
  notReadyDelayMs?: number;
}

export interface SiteForecast {
  rollout: string;
  site: string;
  class?: string;
  actualMs: number;
  /** Forecast duration quantiles (ms): 5 %, 25 %, 50 %, 75 %, 95 %. */
  p5: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
  in50: boolean;
  in90: boolean;
  /** |p50 − actual| / actual. */
  ape: number;
}

export interface RolloutForecast {
  name: string;
  behavior: NodeAction;
  fromMs: number;
  sites: number;
  /** Sites with no history in the rollout (not compared). */
  unseen: string[];
  actualEndMs: number;
  endP5: number;
  endP50: number;
  endP95: number;
  inside90: boolean;
}

export interface Backtest {
  trainUntilMs: number;
  trials: number;
  seed: number;
  calibration: Calibration;
  timings: TimingsFile;
  retries: number;
  training: { rollouts: number; intervals: number };
  rollouts: RolloutForecast[];
  sites: SiteForecast[];
  coverage50: number;
  coverage90: number;
  mdape: number;
}

/** Bundled profile pairs whose update takes each behavior (k3s, appliance mode). */
const PAIRS: Record<NodeAction, string> = {
  repave: "k3s-os-uri-change.yaml",
  reboot: "k3s-os-stage-after-install-change.yaml",
  "service-restart": "k3s-cluster-config.yaml",
  "config-reload": "k3s-reconcile-change.yaml",
};

export function backtest(files: readonly string[], options: BacktestOptions): Backtest {
  const inventory = loadInventory(options.inventory);
  const rollouts = loadRollouts(options.rollouts, inventory);
  const until = options.trainUntilMs;
  const later = rollouts.filter((r) => r.fromMs >= until);
  const before = rollouts.filter((r) => r.fromMs < until);
  const stamp = new Date(until).toISOString().replace(":00.000Z", "Z");
  if (later.length === 0)
    throw new InputError([
      {
        file: options.rollouts,
        message: `no rollout starts at or after --train-until ${stamp}: nothing to forecast`,
      },
    ]);
  if (before.length === 0)
    throw new InputError([
      { file: options.rollouts, message: `no rollout starts before --train-until ${stamp}: nothing to fit` },
    ]);
  const calibration = calibrateHistory(
    files,
    rollouts,
    inventory,
    {
      rollouts: options.rollouts,
      ...(options.classLabel ? { classLabel: options.classLabel } : {}),
      ...(options.siteLabel ? { siteLabel: options.siteLabel } : {}),
      ...(options.notReadyDelayMs !== undefined ? { notReadyDelayMs: options.notReadyDelayMs } : {}),
      untilMs: until,
    },
    true,
  );
  const fitted = calibration.steps.filter((s) => !("tooFew" in s.fit));
  if (fitted.length === 0)
    throw new InputError([
      {
        file: options.rollouts,
        message: `the history before ${stamp} has too few samples to fit any step (${calibration.steps.map((s) => `${s.step} n=${s.fit.n}`).join(", ") || "none"})`,
      },
    ]);
  // The timings exactly as `calibrate -o` writes them and `fleet --timings` reads them.
  const timings = timingsFileOf(parseYamlFile(calibrationYaml(calibration), "<fitted timings>"));
  // As many retries as the training history shows a node needed (the engine halts a node past them).
  const retries = Math.max(1, calibration.maxFailures);

  const profiles = new Map<string, SimProfile>();
  const base = loadProfileFile(`${bundledProfiles()}k3s-base.yaml`);
  profiles.set("from", uncapped(simProfile(base, "from")));
  for (const [behavior, file] of Object.entries(PAIRS))
    profiles.set(behavior, uncapped(simProfile(loadProfileFile(`${bundledProfiles()}${file}`), behavior)));
  const planner = cachedPlanner({ rke2Quirk: true });

  const actualOf = new Map(calibration.actuals.map((a) => [`${a.rollout}\u0000${a.site}`, a]));
  const sites: SiteForecast[] = [];
  const out: RolloutForecast[] = [];
  for (const r of later) {
    const rate = timings.failureRate[r.behavior] ?? 0;
    const simPlan: SiteSimPlan = {
      seed: options.seed,
      faults: { nodeActionFailure: rate, agentRestart: 0 },
      retries,
      timings: timings.timings,
      profiles,
      file: options.rollouts,
      rke2Quirk: true,
      keepResults: true,
    };
    const ends: number[] = new Array(options.trials).fill(0);
    const unseen: string[] = [];
    let actualEndMs = r.fromMs;
    r.sites.forEach((name, index) => {
      const inv = inventory.sites.get(name);
      const labels = inv?.labels ?? {};
      const k = classOf(timings.classes, labels);
      const site: Site = {
        name,
        index,
        profile: "from",
        update: r.behavior,
        controlPlanes: inv?.controlPlanes ?? 1,
        workers: inv?.workers ?? 3,
        timeZone: "UTC",
        window: { text: "always", rules: [] },
        labels,
        linkMbps: DEFAULT_LINK_MBPS,
        localRegistry: false,
        ...(k ? { classTimings: k.timings } : {}),
      };
      const samples: number[] = [];
      for (let t = 0; t < options.trials; t++) {
        const seed = hashSeed(options.seed, "backtest", r.name, t, name);
        const outcome = rollSite(simPlan, site, t, 0, planner, seed);
        samples.push(fromFirstCordon(outcome));
        // The rollout's end counts from its start, as the forecast starts every site at `from`.
        ends[t] = Math.max(ends[t] as number, outcome.durationMs);
      }
      const actual = actualOf.get(`${r.index}\u0000${name}`);
      if (!actual) {
        unseen.push(name);
        return;
      }
      actualEndMs = Math.max(actualEndMs, actual.endMs);
      samples.sort((a, b) => a - b);
      const q = (p: number) => quantile(samples, p);
      const actualMs = actual.endMs - actual.startMs;
      const f = { p5: q(0.05), p25: q(0.25), p50: q(0.5), p75: q(0.75), p95: q(0.95) };
      const value = options.classLabel ? labels[options.classLabel] : undefined;
      sites.push({
        rollout: r.name,
        site: name,
        ...(value !== undefined ? { class: value } : {}),
        actualMs,
        ...f,
        in50: actualMs >= f.p25 && actualMs <= f.p75,
        in90: actualMs >= f.p5 && actualMs <= f.p95,
        ape: actualMs > 0 ? Math.abs(f.p50 - actualMs) / actualMs : 0,
      });
    });
    ends.sort((a, b) => a - b);
    const endP5 = r.fromMs + quantile(ends, 0.05);
    const endP95 = r.fromMs + quantile(ends, 0.95);
    out.push({
      name: r.name,
      behavior: r.behavior,
      fromMs: r.fromMs,
      sites: r.sites.length,
      unseen,
      actualEndMs,
      endP5,
      endP50: r.fromMs + quantile(ends, 0.5),
      endP95,
      inside90: actualEndMs >= endP5 && actualEndMs <= endP95,
    });
  }
  const share = (f: (s: SiteForecast) => boolean) =>
    sites.length === 0 ? 0 : sites.filter(f).length / sites.length;
  const apes = sites.map((s) => s.ape).sort((a, b) => a - b);
  return {
    trainUntilMs: until,
    trials: options.trials,
    seed: options.seed,
    calibration,
    timings,
    retries,
    training: {
      rollouts: before.length,
      intervals: calibration.fittedIntervals,
    },
    rollouts: out,
    sites,
    coverage50: share((s) => s.in50),
    coverage90: share((s) => s.in90),
    mdape: quantile(apes, 0.5),
  };
}

/**
 * The p-quantile of sorted values at rank p·(n + 1), linear between order statistics and clamped to the
 * extremes. This rank is unbiased for the quantile of the distribution the samples come from: the
 * k-th of n draws sits, on average, at the k/(n + 1) quantile. The rank p·(n − 1) + 1 draws the 5–95 %
 * interval of 100 trials a little too narrow, so too few actual durations fall inside it.
 */
export function quantile(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const at = Math.min(Math.max(p * (n + 1), 1), n) - 1;
  const i = Math.floor(at);
  const a = sorted[i] as number;
  const b = sorted[Math.min(i + 1, n - 1)] as number;
  return a + (b - a) * (at - i);
}

/**
 * The stand-in profiles' drain timeout (120 s in the bundled reboot profile) would cut every drawn drain
 * at it, while the fitted drains are what the fleet's own drains took, its own timeout included: the
 * back-test's profiles wait as long as a NotReady spell may last.
 */
function uncapped(profile: SimProfile): SimProfile {
  return { ...profile, drain: { ...profile.drain, timeoutMs: DEFAULT_MAX_SPELL_MS } };
}

/**
 * A simulated site's duration as the history measures the actual one: from its first node's cordon
 * (where that node's drain begins; the simulated cordon step before it is the pace between nodes, which
 * the first node does not wait in a real rollout) to the end.
 */
function fromFirstCordon(outcome: SiteOutcome): number {
  const timeline = outcome.simulation?.timeline ?? [];
  const first = timeline.find((e) => e.event === "node-draining" || e.event === "node-drain-skipped");
  return outcome.durationMs - (first?.t ?? 0);
}

export { parseInstant } from "../fleet/windows.js";

/* `edgesim backtest`'s one door: the back-test, its outputs, and how its --train-until instant is read. */
export { backtestHtml, backtestJson, backtestText } from "./backtest-output.js";
export type { Rollout };
