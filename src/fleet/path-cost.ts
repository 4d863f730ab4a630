import type { PathState } from "../path/enumerate.js";
import type { EvaluatedPath, FleetPathCost } from "../path/evaluate.js";
import { type PathInput, type PathSearchResult, searchPaths } from "../path/search.js";
import type { Profile } from "../profile/types.js";
import { cachedPlanner } from "../rules/plan-cache.js";
import { updateProfiles } from "../sim/input.js";
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
    const pair = updateProfiles(from, to, "path:");
    const fromId = pair.from.id;
    const toId = pair.to.id;
    const profiles = new Map([...plan.profiles, ...pair.profiles]);
    const stepPlan: LoadedFleetPlan = {
      ...plan,
      trials: 1,
      startMs,
      strategies: plan.strategies.slice(0, 1),
      profiles,
      sites: plan.sites.map((site) => ({ ...site, profile: fromId, update: toId })),
    };
    const run = runFleetPlan(stepPlan, planner);
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

/** A path search and, with a fleet plan, each path's cost over the fleet (in the paths' order). */
export interface SolvedPaths {
  result: PathSearchResult;
  fleet?: (FleetPathCost | undefined)[];
}

/**
 * Searches the paths from `input` and, with a fleet plan, rolls each over the fleet; when the search
 * minimises windows or duration, the fleet's figures rank the paths (the cluster's figures break ties
 * in the search's order). What `edgesim path` prints and what a path file in `edgesim test` checks.
 */
export function solvePaths(input: PathInput, fleetPlan?: LoadedFleetPlan): SolvedPaths {
  const result = searchPaths(input);
  if (!fleetPlan) return { result };
  const fleet = result.paths.map((path) =>
    fleetPathCost(fleetPlan, path, (state) => result.revision(state).profile, input.rke2Quirk ?? true),
  );
  if (input.minimise !== "windows" && input.minimise !== "duration") return { result, fleet };
  const key = (f: FleetPathCost | undefined): [number, number] =>
    input.minimise === "windows"
      ? [f?.windows ?? 0, f?.durationMs ?? 0]
      : [f?.durationMs ?? 0, f?.windows ?? 0];
  const order = result.paths.map((_, i) => i);
  order.sort((a, b) => {
    const [a0, a1] = key(fleet[a]);
    const [b0, b1] = key(fleet[b]);
    return a0 - b0 || a1 - b1 || a - b;
  });
  return {
    result: { ...result, paths: order.map((i) => result.paths[i] as EvaluatedPath) },
    fleet: order.map((i) => fleet[i]),
  };
}
