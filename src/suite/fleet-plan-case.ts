import { loadFleetPlan } from "../fleet/load.js";
import { evaluatePlanExpectations, type PlanExpectation } from "../fleet/output.js";
import { runFleetPlan } from "../fleet/run.js";
import type { ReferenceRoot } from "../shared/files.js";
import type { YamlFile } from "../shared/yaml.js";

/** A fleet plan file as `edgesim test` sees it: a result, its sites' results and its expectations. */
export interface FleetPlanCaseRun {
  name: string;
  result: string;
  behavior: string;
  clusters: { name: string; result: string }[];
  expectations: PlanExpectation[];
  passed: boolean;
}

/** Runs a fleet plan file for the suite; with no expectations it passes when the rollout converged. */
export function runFleetPlanCase(file: string, root: ReferenceRoot, yaml?: YamlFile): FleetPlanCaseRun {
  const run = runFleetPlan(loadFleetPlan(file, { root }, yaml));
  const expectations = evaluatePlanExpectations(run);
  const first = run.strategies[0]?.first;
  const result = first?.result ?? "converged";
  const clusters = run.plan.sites.map((site) => {
    const p = first?.schedule.placements[site.index];
    return { name: site.name, result: p?.state === "rolled" ? p.result : (p?.state ?? "unselected") };
  });
  const passed = expectations.length > 0 ? expectations.every((e) => e.passed) : result === "converged";
  return { name: run.plan.name, result, behavior: run.behavior, clusters, expectations, passed };
}
