import { renderHtmlReport, type UpdatePlan } from "../report/html.js";
import { planUpdate } from "../rules/plan.js";
import type { ReferenceRoot } from "../shared/files.js";
import type { YamlFile } from "../shared/yaml.js";
import { type LoadedScenario, loadScenario } from "./load.js";
import { runLoadedScenario, type ScenarioRun } from "./run.js";

/** `edgesim report SCENARIO`: the scenario run, and its self-contained page (timeline and plans). */
export function scenarioReportPage(
  file: string,
  options: { root: ReferenceRoot; seed?: number; yaml?: YamlFile },
): { run: ScenarioRun; html: string } {
  const loaded = loadScenario(file, options.root, options.yaml);
  const run = runLoadedScenario(loaded, options.seed === undefined ? {} : { seed: options.seed });
  return { run, html: renderHtmlReport({ ...run, plans: updatePlans(loaded, run) }) };
}

/** The plan of every update the agent took (a rollout, or a no-op acknowledged), and every refused one, in time order. */
export function updatePlans(scenario: LoadedScenario, run: ScenarioRun): UpdatePlan[] {
  const plans: UpdatePlan[] = [];
  for (const entry of run.timeline) {
    if (entry.event === "rollout-started" || entry.event === "update-acknowledged") {
      const from = scenario.profiles.get(entry.from);
      const to = scenario.profiles.get(entry.profile);
      if (!from || !to) continue;
      const plan = planUpdate(from.profile, to.profile, {
        rke2Quirk: scenario.rke2Quirk,
        ...(scenario.mode !== undefined ? { mode: scenario.mode } : {}),
      });
      plans.push({
        t: entry.t,
        from: entry.from,
        to: entry.profile,
        behavior: entry.event === "rollout-started" ? entry.behavior : "no-op",
        changes: plan.changes.map(({ layer, path, behavior, rule, reason }) => ({
          layer,
          path,
          behavior,
          rule,
          reason,
        })),
      });
    } else if (entry.event === "update-refused") {
      plans.push({
        t: entry.t,
        from: "",
        to: entry.profile,
        behavior: "unsupported",
        changes: [],
        refused: { rule: entry.rule, reason: entry.reason },
      });
    }
  }
  return plans;
}
