import type { PathState } from "../path/enumerate.js";
import type { EvaluatedPath, FleetPathCost } from "../path/evaluate.js";
import type { Profile } from "../profile/types.js";
import { cachedPlanner } from "../rules/plan-cache.js";
import { simProfile } from "../sim/estimate.js";
import type { LoadedFleetPlan } from "./load.js";
import { runFleetPlan } from "./run.js";

/**
 * Rolls each revision of `path` over the fleet plan's sites with the fleet planner (its first strategy,
 * one trial), each rollout starting when the previous one has finished everywhere. A halted rollout
 * ends the path there (its result says so).
 */
export function fleetPathCost(
  plan: LoadedFleetPlan,
  path: EvaluatedPath,
  revision: (state: PathState) => Profile,
  rke2Quirk: boolean,
): FleetPathCost {
  const planner = cachedPlanner({ rke2Quirk });
  const steps: FleetPathCost["steps"] = [];
  let startMs = plan.startMs;
  const windowKeys = new Set<string>();
  for (const step of path.steps) {
    if (step.step.kind !== "revision") continue;
    const from = revision(step.from);
    const to = revision(step.to);
    const fromId = `path:${from.name}`;
    const toId = from.name === to.name ? `path:${to.name} (new)` : `path:${to.name}`;
    const profiles = new Map(plan.profiles);
    profiles.set(fromId, { ...simProfile(from), id: fromId });
    profiles.set(toId, { ...simProfile(to), id: toId });
    const stepPlan: LoadedFleetPlan = {
      ...plan,
      trials: 1,
      startMs,
      strategies: plan.strategies.slice(0, 1),
      profiles,
      sites: plan.sites.map((site) => ({ ...site, profile: fromId, update: toId })),
    };
    const run = runFleetPlan(stepPlan, undefined, undefined, planner);
    const trial = run.strategies[0]?.first;
    const placements = trial?.schedule.placements ?? [];
    const stepWindows = new Set<string>();
    placements.forEach((placement, site) => {
      if (placement.state !== "rolled") return;
      const s = stepPlan.sites[site];
      stepWindows.add(`${s?.timeZone}\u0000${s?.window.text}\u0000${placement.windowEndMs}`);
    });
    for (const k of stepWindows) windowKeys.add(`${steps.length}\u0000${k}`);
    const endMs = Math.max(startMs, trial?.endMs ?? startMs);
    steps.push({ startMs, endMs, windows: stepWindows.size, result: String(trial?.result ?? "converged") });
    if (trial?.result === "halted") break;
    startMs = endMs;
  }
  return {
    plan: plan.name,
    sites: plan.sites.length,
    durationMs: (steps[steps.length - 1]?.endMs ?? plan.startMs) - plan.startMs,
    windows: windowKeys.size,
    steps,
  };
}
