import type { Behavior } from "../shared/types.js";
import type { SimulationOutcome } from "../sim/types.js";
import type { LoadedFleetPlan, Strategy } from "./load.js";
import type { SiteOutcome } from "./map.js";
import type { PlannerWarning } from "./planner-warnings.js";
import type { Schedule } from "./schedule.js";
import type { TemplateSchedule } from "./template-schedule.js";

/**
 * What a fleet run gives back, whichever way its sites' outcomes came (in this process, on threads, from
 * shard parts): every strategy's trials, the first in full. The pipeline that makes it is in run.ts.
 */

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

/** A template strategy's trial: the template's timeline and the simulated outcome of each rollout (same order). */
export interface TemplateRun {
  schedule: TemplateSchedule;
  outcomes: SiteOutcome[];
}

/**
 * A trial's site outcomes by inventory index: packed in typed arrays for a waves strategy (each outcome
 * made when asked), a map for a template's.
 */
export interface SiteOutcomes {
  get(site: number): SiteOutcome | undefined;
  /** In the order the schedule asked for them. */
  values(): Iterable<SiteOutcome>;
  /** (site, outcome), in the same order. */
  entries(): Iterable<[site: number, outcome: SiteOutcome]>;
}

export interface TrialRun extends TrialFigures {
  schedule: Schedule;
  outcomes: SiteOutcomes;
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
  /** The planner's warnings, once per plan (from, to, mode), not per site. */
  warnings: PlannerWarning[];
}

/**
 * Progress of a long run: `unit` says what is counted — trials (in this process), or site simulations
 * over every trial (on threads, then with the trial being simulated: `site simulations, trial 3 of 100`).
 * Trials are streamed, so one count runs from the start to the end and its time left holds for the run.
 */
export type ProgressSink = (done: number, total: number, unit: string) => void;
