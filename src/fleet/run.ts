import { cachedPlanner, type Planner } from "../rules/plan-cache.js";
import type { Behavior } from "../shared/types.js";
import type { SimulationOutcome } from "../sim/types.js";
import type { LoadedFleetPlan, Strategy } from "./load.js";
import { Predictions, rollSite, type SiteOutcome } from "./map.js";
import { MIN_SITES_FOR_THREADS, mapSites, type OutcomeStore, rolledSites } from "./outcomes.js";
import { neverFits, type Placement, type Schedule, type ScheduleSite, schedule } from "./schedule.js";
import { runTemplateTrial, type TemplateRun } from "./template-run.js";
import { WindowCalendar } from "./windows.js";

export type FleetResult = SimulationOutcome | "halted";

export interface TrialRun {
  trial: number;
  schedule: Schedule;
  outcomes: Map<number, SiteOutcome>;
  result: FleetResult;
  durationMs: number;
  endMs: number;
  deadlineMet?: boolean;
  failedSites: number;
  disruptedNodeHours: number;
  /** A template strategy's own timeline (its `schedule` then holds each site's span, as waves do). */
  template?: TemplateRun;
}

export interface Distribution {
  p50: number;
  p90: number;
  p99: number;
}

export interface StrategyRun {
  strategy: Strategy;
  trials: TrialRun[];
  /** The first trial: the one the calendar and per-cluster output show. */
  first: TrialRun;
  risk: {
    durationMs: Distribution;
    endMs: Distribution;
    haltProbability: number;
    haltedIn: Record<string, number>;
    failedSites: { mean: number } & Distribution;
    disruptedNodeHours: { mean: number } & Distribution;
    peakRegistryGbps: Distribution;
    deadlineMetProbability?: number;
  };
}

export interface FleetPlanRun {
  plan: LoadedFleetPlan;
  strategies: StrategyRun[];
  nodes: number;
  /** Behavior of the update over the fleet (most disruptive predicted). */
  behavior: Behavior;
}

/** Progress of a long run: `unit` says what is counted (trials of the schedule, or site simulations). */
export type ProgressSink = (done: number, total: number, unit: "trial(s)" | "site simulation(s)") => void;

/** Sites that must download the new image: the update changes the OS (a repave). */
function downloadBytes(
  plan: LoadedFleetPlan,
  site: LoadedFleetPlan["sites"][number],
  behavior: Behavior,
): number {
  if (behavior !== "repave" || plan.imageGiB <= 0) return 0;
  const copies = site.localRegistry ? 1 : site.controlPlanes + site.workers;
  return plan.imageGiB * 8 * 1024 ** 3 * copies;
}

/** The sites as the schedule sees them: windows (one calendar per zone and window), prediction, download. */
function scheduleSitesOf(plan: LoadedFleetPlan, predictions: Predictions): ScheduleSite[] {
  const calendars = new Map<string, WindowCalendar>();
  const calendarOf = (zone: string, window: LoadedFleetPlan["sites"][number]["window"]) => {
    const key = `${zone}\u0000${window.text}`;
    let c = calendars.get(key);
    if (!c) {
      c = new WindowCalendar(window, zone, plan.startMs, plan.horizonMs);
      calendars.set(key, c);
    }
    return c;
  };
  return plan.sites.map((site) => {
    const predicted = predictions.of(site);
    return {
      name: site.name,
      calendar: calendarOf(site.timeZone, site.window),
      predictedMs: predicted.durationMs,
      downloadBytes: downloadBytes(plan, site, predicted.behavior),
      linkBps: site.linkMbps * 1e6,
    };
  });
}

/**
 * Every strategy of the file over the same inventory and the same trials. A site's outcome in a trial
 * depends on the site and the trial only, so strategies share them: each site is simulated at most once
 * per trial whichever strategies start it.
 */
export function runFleetPlan(
  plan: LoadedFleetPlan,
  progress?: ProgressSink,
  given?: {
    store: OutcomeStore;
    missing: (trial: number, site: number) => Error;
    predictions?: Predictions;
    scheduleSites?: ScheduleSite[];
  },
  planner: Planner = cachedPlanner({ rke2Quirk: plan.rke2Quirk }),
): FleetPlanRun {
  const predictions = given?.predictions ?? new Predictions(plan, planner);
  const scheduleSites = given?.scheduleSites ?? scheduleSitesOf(plan, predictions);
  let behavior: Behavior = "no-op";
  for (const site of plan.sites) {
    const b = predictions.of(site).behavior;
    if (rank(b) > rank(behavior)) behavior = b;
  }
  const total = plan.trials * plan.strategies.length;
  let done = 0;
  const perTrial: Map<number, SiteOutcome>[] = [];
  const templateOutcomes: Map<string, SiteOutcome>[] = [];
  const strategies = plan.strategies.map((strategy) => {
    const trials: TrialRun[] = [];
    for (let trial = 0; trial < plan.trials; trial++) {
      if (strategy.template) {
        // A template's sites roll several times (one simulation per version step), each simulated here.
        let cache = templateOutcomes[trial];
        if (!cache) templateOutcomes[trial] = cache = new Map();
        trials.push(
          runTemplateTrial(plan, strategy, strategy.template, trial, { planner, predictions, cache }),
        );
        progress?.(++done, total, "trial(s)");
        continue;
      }
      let outcomes = perTrial[trial];
      if (!outcomes) perTrial[trial] = outcomes = new Map();
      const cache = outcomes;
      const sched = schedule({
        strategy,
        sites: scheduleSites,
        startMs: plan.startMs,
        windowMode: plan.windowMode,
        ...(plan.registryGbps !== undefined ? { registryBps: plan.registryGbps * 1e9 } : {}),
        prefetch: plan.prefetch,
        outcome: (s) => {
          let o = cache.get(s);
          if (!o) {
            if (given) {
              o = given.store.get(trial, s);
              if (!o) throw given.missing(trial, s);
            } else {
              const site = plan.sites[s] as LoadedFleetPlan["sites"][number];
              o = rollSite(plan, site, trial, scheduleSites[s]?.predictedMs ?? 0, planner);
            }
            // Kept in the order the schedule asks for them, as the output lists them.
            cache.set(s, o);
          }
          return o;
        },
      });
      trials.push(trialRun(plan, strategy, trial, sched, cache));
      progress?.(++done, total, "trial(s)");
    }
    return { strategy, trials, first: trials[0] as TrialRun, risk: risk(trials, strategy) };
  });
  // A template's behavior is its rollouts' (its sites' `update` is their own profile).
  for (const s of strategies)
    for (const t of s.trials)
      for (const o of t.template?.outcomes ?? [])
        if (rank(o.behavior) > rank(behavior)) behavior = o.behavior;
  return {
    plan,
    strategies,
    nodes: plan.sites.reduce((n, s) => n + s.controlPlanes + s.workers, 0),
    behavior,
  };
}

export interface ThreadOptions {
  /** Worker threads for the site simulations; 1 simulates in this process, lazily, as the schedule asks. */
  threads: number;
  progress?: ProgressSink;
}

/**
 * `runFleetPlan` with the map step on worker threads: every rolled site of every trial is simulated
 * ahead (on `threads` threads), then the schedule runs over those outcomes. The outcomes are the ones
 * the in-process run computes, so the result is the same whatever the thread count.
 */
export async function runFleetPlanOnThreads(
  plan: LoadedFleetPlan,
  options: ThreadOptions,
): Promise<FleetPlanRun> {
  const planner = cachedPlanner({ rke2Quirk: plan.rke2Quirk });
  const predictions = new Predictions(plan, planner);
  const scheduleSites = scheduleSitesOf(plan, predictions);
  // A site no window can take is never rolled: simulating it ahead would be wasted.
  const sites = rolledSites(plan).filter(
    (s) => !neverFits(scheduleSites[s] as ScheduleSite, plan.windowMode, plan.prefetch),
  );
  if (options.threads <= 1 || sites.length * plan.trials < MIN_SITES_FOR_THREADS)
    return runFleetPlan(plan, options.progress, undefined, planner);
  const store = await mapSites(
    plan,
    sites,
    (s) => predictions.of(plan.sites[s] as LoadedFleetPlan["sites"][number]).durationMs,
    {
      threads: options.threads,
      planner,
      ...(options.progress
        ? { progress: (done: number, total: number) => options.progress?.(done, total, "site simulation(s)") }
        : {}),
    },
  );
  return runFleetPlan(
    plan,
    options.progress,
    {
      store,
      missing: (trial, s) => new Error(`site ${plan.sites[s]?.name} of trial ${trial} was not simulated`),
      predictions,
      scheduleSites,
    },
    planner,
  );
}

const ORDER: Behavior[] = ["no-op", "config-reload", "service-restart", "reboot", "repave"];
const rank = (b: Behavior) => ORDER.indexOf(b);

function trialRun(
  plan: LoadedFleetPlan,
  strategy: Strategy,
  trial: number,
  sched: Schedule,
  outcomes: Map<number, SiteOutcome>,
): TrialRun {
  let failed = 0;
  let blocked = 0;
  let disrupted = 0;
  sched.placements.forEach((p: Placement, s) => {
    if (p.state === "rolled") {
      if (p.result === "failed") failed++;
      if (p.result === "blocked") blocked++;
      disrupted += outcomes.get(s)?.disruptedNodeMs ?? 0;
    }
    if (p.state === "unschedulable") blocked++;
  });
  const result: FleetResult = sched.halted
    ? "halted"
    : failed > 0
      ? "failed"
      : blocked > 0
        ? "blocked"
        : "converged";
  const durationMs = sched.endMs - plan.startMs;
  return {
    trial,
    schedule: sched,
    outcomes,
    result,
    durationMs,
    endMs: sched.endMs,
    ...(strategy.deadlineMs !== undefined
      ? { deadlineMet: result === "converged" && sched.endMs <= strategy.deadlineMs }
      : {}),
    failedSites: failed,
    disruptedNodeHours: disrupted / 3_600_000,
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rankIndex = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rankIndex] as number;
}

function dist(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99) };
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function risk(trials: TrialRun[], strategy: Strategy): StrategyRun["risk"] {
  const haltedIn: Record<string, number> = {};
  for (const t of trials)
    if (t.schedule.halted)
      haltedIn[t.schedule.halted.wave] = (haltedIn[t.schedule.halted.wave] ?? 0) + 1 / trials.length;
  const failed = trials.map((t) => t.failedSites);
  const hours = trials.map((t) => t.disruptedNodeHours);
  return {
    durationMs: dist(trials.map((t) => t.durationMs)),
    endMs: dist(trials.map((t) => t.endMs)),
    haltProbability: trials.filter((t) => t.schedule.halted).length / trials.length,
    haltedIn,
    failedSites: { mean: mean(failed), ...dist(failed) },
    disruptedNodeHours: { mean: mean(hours), ...dist(hours) },
    peakRegistryGbps: dist(trials.map((t) => t.schedule.peakRegistryBps / 1e9)),
    ...(strategy.deadlineMs !== undefined
      ? { deadlineMetProbability: trials.filter((t) => t.deadlineMet).length / trials.length }
      : {}),
  };
}
