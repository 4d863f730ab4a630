import { cachedPlanner, type PlanTable } from "../rules/plan-cache.js";
import { FleetAggregate } from "./aggregate.js";
import type { LoadedFleetPlan } from "./load.js";
import { type OutcomeSource, siteOutcomes } from "./outcomes.js";
import { type PreparedFleet, prepareFleet } from "./prepare.js";
import type { FleetPlanRun, ProgressSink } from "./result.js";
import { mergedTrialParts } from "./shard.js";
import { scheduleTrial } from "./trial.js";

export type { FleetPlanRun, FleetResult, ProgressSink } from "./result.js";

/**
 * A fleet run, the one pipeline every command and source goes through, each stage a module called once
 * with what it needs:
 *
 *   prepare.ts   plans, fault-free predictions, window calendars, the sites as the schedule sees them
 *   outcomes.ts  each trial's site outcomes, from `source`: this process, worker threads or shard parts
 *   trial.ts     per trial, every strategy's schedule (schedule.ts, or template-run.ts for a template)
 *   aggregate.ts per trial its figures (the first kept in full), then the risk over trials
 *
 * Every strategy of the file runs over the same inventory and the same trials: a site's outcome in a
 * trial depends on the site and the trial only, so strategies share them.
 */
export function rollFleet(
  plan: LoadedFleetPlan,
  source: OutcomeSource,
  planner: PlanTable = cachedPlanner({ rke2Quirk: plan.rke2Quirk }),
): Promise<FleetPlanRun> {
  return Promise.resolve(pipeline(plan, source, planner));
}

/** The run in this process, synchronously (a report page, `run`, `test`, a path's fleet cost). */
export function runFleetPlan(
  plan: LoadedFleetPlan,
  planner: PlanTable = cachedPlanner({ rke2Quirk: plan.rke2Quirk }),
): FleetPlanRun {
  return pipeline(plan, { from: "process" }, planner) as FleetPlanRun;
}

/** `rollFleet` with the map stage on `threads` worker threads (1: in this process, lazily). */
export function runFleetPlanOnThreads(
  plan: LoadedFleetPlan,
  options: { threads: number; progress?: ProgressSink },
): Promise<FleetPlanRun> {
  return rollFleet(plan, { from: "threads", ...options });
}

function pipeline(
  plan: LoadedFleetPlan,
  source: OutcomeSource,
  planner: PlanTable,
): FleetPlanRun | Promise<FleetPlanRun> {
  // Parts of a fleet sharded by trial hold every trial's figures already: the merge only combines them.
  if (source.from === "parts") {
    const merged = mergedTrialParts(plan, source.paths);
    if (merged) return merged;
  }
  const aggregate = rollTrials(prepareFleet(plan, planner), source);
  return aggregate instanceof Promise ? aggregate.then((a) => a.finish()) : aggregate.finish();
}

/**
 * The pipeline's stages after `prepare` over the given trials (ascending; default every trial): what a
 * shard of a fleet sharded by trial runs for its own trials, and a whole run for all.
 */
export function rollTrials(
  prepared: PreparedFleet,
  source: OutcomeSource,
  trials?: readonly number[],
): FleetAggregate | Promise<FleetAggregate> {
  const aggregate = new FleetAggregate(prepared);
  const mapped = siteOutcomes(
    prepared,
    source,
    (trial, outcome) => aggregate.add(scheduleTrial(prepared, trial, outcome)),
    ...(trials ? [trials] : []),
  );
  return mapped ? mapped.then(() => aggregate) : aggregate;
}
