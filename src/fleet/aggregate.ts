import { type Behavior, mostDisruptive } from "../shared/types.js";
import type { LoadedFleetPlan, Strategy } from "./load.js";
import { type PlannerWarning, plannerWarnings } from "./planner-warnings.js";
import type { PreparedFleet } from "./prepare.js";
import type { Distribution, FleetPlanRun, StrategyRun, TrialRun, TrialSummary } from "./result.js";

/**
 * The last stage of a fleet run: each trial's runs (one per strategy) reduced to their figures as they
 * come — the first trial kept in full, for the calendar and the per-site output — then the risk over
 * all trials. Figures are added in trial order, as the risk reads them.
 */
export class FleetAggregate {
  private readonly runs: { strategy: Strategy; trials: TrialSummary[]; first?: TrialRun }[];
  private behavior: Behavior;

  constructor(private readonly prepared: PreparedFleet) {
    this.behavior = prepared.behavior;
    this.runs = prepared.plan.strategies.map((strategy) => ({ strategy, trials: [] }));
  }

  /** One trial's runs, in the strategies' order. */
  add(trialRuns: readonly TrialRun[]): void {
    trialRuns.forEach((t, i) => {
      const run = this.runs[i] as (typeof this.runs)[number];
      // A template rolls versions the prediction did not: their behaviors count too.
      if (t.template)
        this.behavior = mostDisruptive([this.behavior, ...t.template.outcomes.map((o) => o.behavior)]);
      run.trials.push(summary(t));
      if (t.trial === 0) run.first = t;
    });
  }

  finish(): FleetPlanRun {
    return combined(this.prepared.plan, [this.piece()]);
  }

  /** What a shard of a fleet sharded by trial hands on: its trials' figures (and the first trial, if its). */
  piece(): AggregatePiece {
    return {
      behavior: this.behavior,
      strategies: this.runs.map((r) => ({ trials: r.trials, ...(r.first ? { first: r.first } : {}) })),
      warnings: plannerWarnings(this.prepared.plan, this.prepared.planner),
    };
  }
}

/** One shard's share of the aggregate: per strategy (in the plan's order) its trials' figures, in trial order. */
export interface AggregatePiece {
  behavior: Behavior;
  strategies: { trials: TrialSummary[]; first?: TrialRun }[];
  /** The planner's warnings (the same in every piece: they depend on the plan only). */
  warnings: PlannerWarning[];
}

/**
 * The run from the pieces of every trial (each trial in exactly one piece; together they hold trial 0):
 * figures put back in trial order, so the risk adds them up in the order one process does.
 */
export function combined(plan: LoadedFleetPlan, pieces: readonly AggregatePiece[]): FleetPlanRun {
  return {
    plan,
    strategies: plan.strategies.map((strategy, i) => {
      const trials: TrialSummary[] = [];
      let first: TrialRun | undefined;
      for (const piece of pieces) {
        const mine = piece.strategies[i] as AggregatePiece["strategies"][number];
        trials.push(...mine.trials);
        first ??= mine.first;
      }
      if (pieces.length > 1) trials.sort((a, b) => a.trial - b.trial);
      return { strategy, trials, first: first as TrialRun, risk: risk(trials, strategy) };
    }),
    nodes: plan.sites.reduce((n, s) => n + s.controlPlanes + s.workers, 0),
    behavior: mostDisruptive(pieces.map((p) => p.behavior)),
    warnings: pieces[0]?.warnings ?? [],
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
