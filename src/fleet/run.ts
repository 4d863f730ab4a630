import { cachedPlanner, type PlanTable } from "../rules/plan-cache.js";
import type { Behavior } from "../shared/types.js";
import type { SimulationOutcome } from "../sim/types.js";
import type { LoadedFleetPlan, Strategy } from "./load.js";
import { Predictions, rollSite, type SiteOutcome } from "./map.js";
import {
  MIN_SITES_FOR_THREADS,
  mapTrials,
  type OutcomeStore,
  rolledSites,
  type TrialOutcome,
} from "./outcomes.js";
import { neverFits, type Placement, type Schedule, type ScheduleSite, schedule } from "./schedule.js";
import { runTemplateTrial, type TemplateRun } from "./template-run.js";
import { WindowCalendar } from "./windows.js";

export type FleetResult = SimulationOutcome | "halted";

/** A trial's figures. */
export interface TrialFigures {
  trial: number;
  result: FleetResult;
  durationMs: number;
  endMs: number;
  deadlineMet?: boolean;
  failedSites: number;
  disruptedNodeHours: number;
}

/**
 * What the risk figures read of a trial: a few numbers, kept for every trial. The schedule and the
 * sites' outcomes are kept for the first trial only (the one the calendar and per-site output show),
 * so 100 trials of 100,000 sites hold 100 of these, not 10 million outcomes.
 */
export interface TrialSummary extends TrialFigures {
  peakRegistryBps: number;
  /** The wave a halt stopped the rollout in. */
  haltedWave?: string;
  /** Sites that rolled (0: none before the horizon, so the trial has no duration). */
  rolled: number;
}

export interface TrialRun extends TrialFigures {
  schedule: Schedule;
  outcomes: Map<number, SiteOutcome>;
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
  /** Every trial's figures, in trial order. */
  trials: TrialSummary[];
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

/**
 * Progress of a long run: `unit` says what is counted — trials (in this process), or site simulations
 * over every trial (on threads, then with the trial being simulated: `site simulations, trial 3 of 100`).
 * Trials are streamed, so one count runs from the start to the end and its time left holds for the run.
 */
export type ProgressSink = (done: number, total: number, unit: string) => void;

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

/** What every trial of a run shares: the plans, the predictions, the sites as the schedule sees them. */
interface Shared {
  plan: LoadedFleetPlan;
  planner: PlanTable;
  predictions: Predictions;
  scheduleSites: ScheduleSite[];
}

function shared(
  plan: LoadedFleetPlan,
  planner: PlanTable,
  given?: { predictions?: Predictions; scheduleSites?: ScheduleSite[] },
): Shared {
  const predictions = given?.predictions ?? new Predictions(plan, planner);
  const scheduleSites = given?.scheduleSites ?? scheduleSitesOf(plan, predictions);
  return { plan, planner, predictions, scheduleSites };
}

/**
 * The strategies' trials run one trial at a time: each trial's schedules read its sites' outcomes,
 * its figures are kept (a `TrialSummary`), and its outcomes are dropped — but the first trial's, which
 * the output shows. The figures are added in trial order, as the risk reads them.
 */
class Trials {
  private readonly runs: { strategy: Strategy; trials: TrialSummary[]; first?: TrialRun }[];
  private behavior: Behavior = "no-op";

  constructor(private readonly s: Shared) {
    for (const site of s.plan.sites) {
      const b = s.predictions.of(site).behavior;
      if (rank(b) > rank(this.behavior)) this.behavior = b;
    }
    this.runs = s.plan.strategies.map((strategy) => ({ strategy, trials: [] }));
  }

  /**
   * Runs every strategy's schedule for `trial`. `outcome` gives a site's outcome (in full in the first
   * trial); each site is asked once per trial, whichever strategies start it.
   */
  trial(trial: number, outcome: (site: number) => TrialOutcome | SiteOutcome): void {
    const { plan, planner, predictions, scheduleSites } = this.s;
    // Kept in the order the schedules ask for them, as the output lists them.
    const asked = new Map<number, TrialOutcome | SiteOutcome>();
    // A template's sites roll several times (one simulation per version step), each simulated here.
    const templateCache = new Map<string, SiteOutcome>();
    for (const run of this.runs) {
      const { strategy } = run;
      let t: TrialRun;
      if (strategy.template) {
        t = runTemplateTrial(plan, strategy, strategy.template, trial, {
          planner,
          predictions,
          cache: templateCache,
        });
        for (const o of t.template?.outcomes ?? [])
          if (rank(o.behavior) > rank(this.behavior)) this.behavior = o.behavior;
      } else {
        const sched = schedule({
          strategy,
          sites: scheduleSites,
          startMs: plan.startMs,
          windowMode: plan.windowMode,
          ...(plan.registryGbps !== undefined ? { registryBps: plan.registryGbps * 1e9 } : {}),
          prefetch: plan.prefetch,
          outcome: (site) => {
            let o = asked.get(site);
            if (!o) {
              o = outcome(site);
              asked.set(site, o);
            }
            return o;
          },
        });
        // Only the first trial's outcomes are kept, and they are the sites' full outcomes.
        t = trialRun(plan, strategy, trial, sched, asked as Map<number, SiteOutcome>);
      }
      run.trials.push(summary(t));
      if (trial === 0) run.first = t;
    }
  }

  finish(): FleetPlanRun {
    const { plan } = this.s;
    return {
      plan,
      strategies: this.runs.map((r) => ({
        strategy: r.strategy,
        trials: r.trials,
        first: r.first as TrialRun,
        risk: risk(r.trials, r.strategy),
      })),
      nodes: plan.sites.reduce((n, s) => n + s.controlPlanes + s.workers, 0),
      behavior: this.behavior,
    };
  }
}

/**
 * Every strategy of the file over the same inventory and the same trials. A site's outcome in a trial
 * depends on the site and the trial only, so strategies share them: each site is simulated at most once
 * per trial whichever strategies start it. Given a store (a merge of shards), the outcomes are read
 * from it; else each is simulated in this process when a schedule first asks for it.
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
  planner: PlanTable = cachedPlanner({ rke2Quirk: plan.rke2Quirk }),
): FleetPlanRun {
  return runTrials(shared(plan, planner, given), progress, given);
}

function runTrials(
  s: Shared,
  progress?: ProgressSink,
  given?: { store: OutcomeStore; missing: (trial: number, site: number) => Error },
): FleetPlanRun {
  const { plan, planner } = s;
  const trials = new Trials(s);
  for (let trial = 0; trial < plan.trials; trial++) {
    trials.trial(trial, (site) => {
      if (given) {
        const o = given.store.get(trial, site);
        if (!o) throw given.missing(trial, site);
        return o;
      }
      return rollSite(
        plan,
        plan.sites[site] as LoadedFleetPlan["sites"][number],
        trial,
        s.scheduleSites[site]?.predictedMs ?? 0,
        planner,
      );
    });
    progress?.(trial + 1, plan.trials, "trials");
  }
  return trials.finish();
}

export interface ThreadOptions {
  /** Worker threads for the site simulations; 1 simulates in this process, lazily, as the schedule asks. */
  threads: number;
  progress?: ProgressSink;
}

/**
 * `runFleetPlan` with the map step on worker threads: every rolled site of a trial is simulated ahead
 * (on `threads` threads), then that trial's schedules run over those outcomes while the threads go on
 * with the next trials. The outcomes are the ones the in-process run computes, so the result is the
 * same whatever the thread count.
 */
export async function runFleetPlanOnThreads(
  plan: LoadedFleetPlan,
  options: ThreadOptions,
): Promise<FleetPlanRun> {
  const planner = cachedPlanner({ rke2Quirk: plan.rke2Quirk });
  const s = shared(plan, planner);
  // A site no window can take is never rolled: simulating it ahead would be wasted.
  const sites = rolledSites(plan).filter(
    (i) => !neverFits(s.scheduleSites[i] as ScheduleSite, plan.windowMode, plan.prefetch),
  );
  if (options.threads <= 1 || sites.length * plan.trials < MIN_SITES_FOR_THREADS)
    return runTrials(s, options.progress);
  const trials = new Trials(s);
  await mapTrials(
    plan,
    sites,
    (i) => s.scheduleSites[i]?.predictedMs ?? 0,
    {
      threads: options.threads,
      planner,
      ...(options.progress
        ? {
            progress: (done: number, total: number) =>
              options.progress?.(
                done,
                total,
                plan.trials > 1
                  ? `site simulations, trial ${Math.min(plan.trials, Math.floor(done / sites.length) + 1)} of ${plan.trials}`
                  : "site simulations",
              ),
          }
        : {}),
    },
    (table) =>
      trials.trial(table.trial, (i) => {
        const o = table.get(i);
        if (!o) throw new Error(`site ${plan.sites[i]?.name} of trial ${table.trial} was not simulated`);
        return o;
      }),
  );
  return trials.finish();
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

/** The figures of a trial that every trial keeps. */
function summary(t: TrialRun): TrialSummary {
  let rolled = 0;
  for (const p of t.schedule.placements) if (p.state === "rolled") rolled++;
  return {
    trial: t.trial,
    result: t.result,
    durationMs: t.durationMs,
    endMs: t.endMs,
    ...(t.deadlineMet !== undefined ? { deadlineMet: t.deadlineMet } : {}),
    failedSites: t.failedSites,
    disruptedNodeHours: t.disruptedNodeHours,
    peakRegistryBps: t.schedule.peakRegistryBps,
    ...(t.schedule.halted ? { haltedWave: t.schedule.halted.wave } : {}),
    rolled,
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

function risk(trials: TrialSummary[], strategy: Strategy): StrategyRun["risk"] {
  const haltedIn: Record<string, number> = {};
  for (const t of trials)
    if (t.haltedWave !== undefined)
      haltedIn[t.haltedWave] = (haltedIn[t.haltedWave] ?? 0) + 1 / trials.length;
  const failed = trials.map((t) => t.failedSites);
  const hours = trials.map((t) => t.disruptedNodeHours);
  return {
    durationMs: dist(trials.map((t) => t.durationMs)),
    endMs: dist(trials.map((t) => t.endMs)),
    haltProbability: trials.filter((t) => t.haltedWave !== undefined).length / trials.length,
    haltedIn,
    failedSites: { mean: mean(failed), ...dist(failed) },
    disruptedNodeHours: { mean: mean(hours), ...dist(hours) },
    peakRegistryGbps: dist(trials.map((t) => t.peakRegistryBps / 1e9)),
    ...(strategy.deadlineMs !== undefined
      ? { deadlineMetProbability: trials.filter((t) => t.deadlineMet).length / trials.length }
      : {}),
  };
}
