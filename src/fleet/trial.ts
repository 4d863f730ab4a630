import type { Strategy } from "./load.js";
import type { SiteOutcome } from "./map.js";
import { keptInFull, TrialTable } from "./outcome-store.js";
import type { OutcomeOf } from "./outcomes.js";
import type { PreparedFleet } from "./prepare.js";
import type { FleetResult, SiteOutcomes, TrialRun } from "./result.js";
import { type Placement, type Schedule, schedule } from "./schedule.js";
import { runTemplateTrial } from "./template-run.js";

/**
 * The schedule stage of a fleet run, once per trial: every strategy's schedule over the trial's
 * outcomes — waves, windows and the registry (schedule.ts), or a cluster template's timeline
 * (template-run.ts) — each as a `TrialRun`. Strategies share the trial's outcomes: each site is asked
 * for once per trial, whichever strategies start it.
 */
export function scheduleTrial(prepared: PreparedFleet, trial: number, outcome: OutcomeOf): TrialRun[] {
  const { plan, planner, predictions, scheduleSites } = prepared;
  // Packed, in the order the schedules ask for them, as the output lists them.
  const asked = new TrialTable(trial, plan.sites.length, keptInFull(plan, trial));
  // A template's sites roll several times (one simulation per version step), each simulated here.
  const templateCache = new Map<string, SiteOutcome>();
  return plan.strategies.map((strategy) => {
    if (strategy.template)
      return runTemplateTrial(plan, strategy, strategy.template, trial, {
        planner,
        predictions,
        cache: templateCache,
      });
    const sched = schedule({
      strategy,
      sites: scheduleSites,
      startMs: plan.startMs,
      windowMode: plan.windowMode,
      ...(plan.registryGbps !== undefined ? { registryBps: plan.registryGbps * 1e9 } : {}),
      prefetch: plan.prefetch,
      outcome: (site) => {
        const known = asked.get(site);
        if (known) return known;
        const o = outcome(site);
        asked.set(site, o);
        return o;
      },
    });
    return trialRun(prepared, strategy, trial, sched, asked);
  });
}

/** A wave schedule's trial: how it ended, when, and the node-hours it disrupted. */
function trialRun(
  { plan }: PreparedFleet,
  strategy: Strategy,
  trial: number,
  sched: Schedule,
  outcomes: TrialTable,
): TrialRun {
  let failed = 0;
  let blocked = 0;
  let disrupted = 0;
  sched.placements.forEach((p: Placement, s) => {
    if (p.state === "rolled") {
      if (p.result === "failed") failed++;
      if (p.result === "blocked") blocked++;
      disrupted += outcomes.disruptedNodeMs(s);
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
    // A trial kept in full holds each site's whole outcome; any other, what the figures read.
    outcomes: outcomes as SiteOutcomes,
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
