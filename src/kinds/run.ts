import { fleetVerdict } from "../fleet/expectations.js";
import { type FleetRun, runFleet } from "../fleet/file.js";
import { loadFleetPlan } from "../fleet/load.js";
import { solvePaths } from "../fleet/path-cost.js";
import { runFleetPlan } from "../fleet/run.js";
import type { ExpectationResult } from "../scenario/expectations.js";
import { runScenario, type ScenarioRun } from "../scenario/run.js";
import type { ReferenceRoot } from "../shared/files.js";
import { mostDisruptive } from "../shared/types.js";
import type { YamlFile } from "../shared/yaml.js";
import { evaluatePathExpectations } from "./path-expectations.js";
import { loadPathFile } from "./path-file.js";
import type { Kind } from "./registry.js";

/**
 * What every kind is loaded with: the same reference root, seed rule and golden-file policy, whatever
 * the kind (a fleet plan follows the root as a scenario does). Bounds on what is read (file size,
 * counts) are the loaders' own, from shared/limits and shared/files.
 */
export interface LoadContext {
  /** The folder references may not leave (false: anywhere). */
  root: ReferenceRoot;
  /** Overrides the file's seed (already range-checked by the caller). */
  seed?: number;
  /** Rewrite a scenario's golden timeline instead of comparing it. */
  update?: boolean;
}

/** A fleet plan as `edgesim test` sees it: a result, its sites' results and its expectations. */
export interface FleetPlanCaseRun {
  name: string;
  result: string;
  behavior: string;
  clusters: { name: string; result: string }[];
  expectations: ExpectationResult[];
  passed: boolean;
}

/** A path file as `edgesim test` sees it: whether a path was found, the recommended one, its expectations. */
export interface PathCaseRun {
  name: string;
  /** `found`, or `no-path` when no path meets the file's limits. */
  result: string;
  /** The most disruptive behavior along the recommended path (`no-op` when there is none). */
  behavior: string;
  path: { steps: number; repavesPerNode: number; rebootsPerNode: number; nodeHours: number } | null;
  expectations: ExpectationResult[];
  passed: boolean;
}

/** What running a file of any runnable kind gives: its result and its checked expectations (one contract). */
export type KindRun = ScenarioRun | FleetRun | FleetPlanCaseRun | PathCaseRun;

export type RunnableKind = Extract<Kind, "scenario" | "fleet" | "fleet-plan" | "path">;

interface RunnerDef {
  run: (file: string, yaml: YamlFile | undefined, context: LoadContext) => KindRun | Promise<KindRun>;
}

const given = (yaml: YamlFile | undefined) => (yaml ? { yaml } : {});
const seeded = (context: LoadContext) => (context.seed !== undefined ? { seed: context.seed } : {});

/** How each runnable kind is loaded (from the file already parsed, when it was) and run. */
export const RUNNERS = {
  scenario: {
    run: (file, yaml, context) =>
      runScenario(file, {
        root: context.root,
        ...seeded(context),
        ...(context.update ? { update: true } : {}),
        ...given(yaml),
      }),
  },
  fleet: {
    run: (file, yaml, context) => runFleet(file, { root: context.root, ...seeded(context), ...given(yaml) }),
  },
  "fleet-plan": { run: (file, yaml, context) => runFleetPlanCase(file, yaml, context) },
  path: { run: (file, yaml, context) => runPathCase(file, yaml, context) },
} satisfies Record<RunnableKind, RunnerDef>;

export function isRunnable(kind: Kind | undefined): kind is RunnableKind {
  return kind !== undefined && kind in RUNNERS;
}

/** Runs a fleet plan file; with no expectations it passes when the rollout converged. */
export function runFleetPlanCase(
  file: string,
  yaml: YamlFile | undefined,
  context: LoadContext,
): FleetPlanCaseRun {
  const run = runFleetPlan(loadFleetPlan(file, { root: context.root, ...seeded(context) }, yaml));
  const { expectations, passed } = fleetVerdict(run);
  const first = run.strategies[0]?.first;
  const result = first?.result ?? "converged";
  const clusters = run.plan.sites.map((site) => {
    const p = first?.schedule.placements[site.index];
    return { name: site.name, result: p?.state === "rolled" ? p.result : (p?.state ?? "unselected") };
  });
  return { name: run.plan.name, result, behavior: run.behavior, clusters, expectations, passed };
}

/** Runs a path file: the search (and the fleet's figures when it names a fleet plan), then its expectations. */
export function runPathCase(file: string, yaml: YamlFile | undefined, context: LoadContext): PathCaseRun {
  const loaded = loadPathFile(file, { root: context.root }, yaml);
  const fleetPlan =
    loaded.fleetFile !== undefined
      ? loadFleetPlan(loaded.fleetFile, { root: context.root, trials: 1, ...seeded(context) })
      : undefined;
  const { result } = solvePaths(loaded.input, fleetPlan);
  const best = result.paths[0];
  const expectations = evaluatePathExpectations(loaded.expect, result);
  const behavior = mostDisruptive((best?.steps ?? []).map((step) => step.behavior));
  const passed = expectations.length > 0 ? expectations.every((e) => e.passed) : best !== undefined;
  return {
    name: loaded.name,
    result: best ? "found" : "no-path",
    behavior,
    path: best
      ? {
          steps: best.steps.length,
          repavesPerNode: best.repavesPerNode,
          rebootsPerNode: best.rebootsPerNode,
          nodeHours: best.nodeHours,
        }
      : null,
    expectations,
    passed,
  };
}
