import { loadAnyFleetPlan } from "../fleet/file.js";
import { renderFleetHtml } from "../fleet/html.js";
import { runFleetPlan } from "../fleet/run.js";
import { renderHtmlReport, type UpdatePlan } from "../report/html.js";
import { planUpdate } from "../rules/plan.js";
import { type LoadedScenario, loadScenario } from "../scenario/load.js";
import { runLoadedScenario, type ScenarioRun } from "../scenario/run.js";
import { formatDuration } from "../shared/duration.js";
import { defaultRoot, writeOutput } from "../shared/files.js";
import { fileArgument } from "./argument.js";
import type { Io } from "./io.js";
import { referenceRoot, userPath } from "./options.js";
import type { ReportCommandOptions } from "./report-options.js";

/** What `edgesim report FILE -o PAGE` does, loaded only when it runs (`report --help` needs none of it). */
export function reportCommand(
  io: Io,
  setExit: (code: number) => void,
  scenario: string,
  options: ReportCommandOptions,
): void {
  const { file, kind, yaml } = fileArgument(io, scenario, "report", ["scenario", "fleet", "fleet-plan"]);
  const root = referenceRoot(io, options, defaultRoot(io.cwd, file));
  if (kind === "fleet-plan" || kind === "fleet") {
    const plan = runFleetPlan(
      loadAnyFleetPlan(
        file,
        kind,
        { root, ...(options.seed === undefined ? {} : { seed: options.seed }) },
        yaml,
      ),
    );
    writeOutput({ file: userPath(io, options.output), option: "-o" }, renderFleetHtml(plan));
    io.stdout(`${plan.plan.name}: fleet report written to ${options.output}\n`);
    setExit(0);
    return;
  }
  const loaded = loadScenario(file, root, yaml);
  const run = runLoadedScenario(loaded, options.seed === undefined ? {} : { seed: options.seed });
  // Rendered in full before the file is touched, then written atomically: never half a page.
  writeOutput(
    { file: userPath(io, options.output), option: "-o" },
    renderHtmlReport({ ...run, plans: updatePlans(loaded, run) }),
  );
  io.stdout(
    `${run.name}: ${run.result}, ${run.behavior}, ${formatDuration(run.durationMs)}; timeline written to ${options.output}\n`,
  );
  setExit(0);
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
