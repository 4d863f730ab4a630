import type { Profile } from "../profile/types.js";
import type { UpdatePlan } from "../report/html.js";
import type { Plan, PlanOptions } from "../rules/types.js";
import type { LoadedScenario } from "../scenario/load.js";
import type { ScenarioRun } from "../scenario/run.js";
import { InputError } from "../shared/diagnostics.js";
import { formatDuration } from "../shared/duration.js";
import { defaultRoot, writeOutput } from "../shared/files.js";
import type { Register } from "./main.js";
import {
  ALLOW_OUTSIDE_HELP,
  parseSeed,
  ROOT_HELP,
  type RootOptions,
  referenceRoot,
  userPath,
} from "./run.js";

export const registerReport: Register = (program, io, setExit) => {
  program
    .command("report")
    .description("Replay a scenario and write its timeline as a self-contained HTML page")
    .argument("<scenario>", "Scenario file, or a fleet plan file (inventory + strategy) for the fleet page")
    .requiredOption("-o, --output <file>", "HTML file to write (required)")
    .option("--seed <n>", "Override the scenario's seed (default: the file's seed, else 1)", parseSeed)
    .option("--root <dir>", ROOT_HELP)
    .option("--allow-outside", ALLOW_OUTSIDE_HELP)
    .addHelpText("after", "\nExit codes: 0 the page was written, 1 bad input.\n")
    .action(async (scenario: string, options: RootOptions & { output: string; seed?: number }) => {
      // Loaded when the command runs, not with its options.
      const [
        { renderFleetHtml },
        { loadFleetPlan },
        { runFleetPlan },
        { renderHtmlReport },
        { planUpdate },
        { loadScenario },
        { runLoadedScenario },
        { fileKind },
      ] = await Promise.all([
        import("../fleet/html.js"),
        import("../fleet/load.js"),
        import("../fleet/run.js"),
        import("../report/html.js"),
        import("../rules/plan.js"),
        import("../scenario/load.js"),
        import("../scenario/run.js"),
        import("../scenario/suite.js"),
      ]);
      const file = userPath(io, scenario);
      if (fileKind(file) === "fleet-plan") {
        const plan = runFleetPlan(
          loadFleetPlan(file, options.seed === undefined ? {} : { seed: options.seed }),
        );
        writeOutput({ file: userPath(io, options.output), option: "-o" }, renderFleetHtml(plan));
        io.stdout(`${plan.plan.name}: fleet report written to ${options.output}\n`);
        setExit(0);
        return;
      }
      if (fileKind(file) === "fleet") {
        throw new InputError([
          {
            file,
            message:
              "is a fleet file; `edgesim report` draws one cluster's timeline (`edgesim run FILE --timelines` shows a fleet's)",
          },
        ]);
      }
      const root = referenceRoot(io, options, defaultRoot(io.cwd, file));
      const loaded = loadScenario(file, root);
      const run = runLoadedScenario(loaded, options.seed === undefined ? {} : { seed: options.seed });
      // Rendered in full before the file is touched, then written atomically: never half a page.
      writeOutput(
        { file: userPath(io, options.output), option: "-o" },
        renderHtmlReport({ ...run, plans: updatePlans(loaded, run, planUpdate) }),
      );
      io.stdout(
        `${run.name}: ${run.result}, ${run.behavior}, ${formatDuration(run.durationMs)}; timeline written to ${options.output}\n`,
      );
      setExit(0);
    });
};

/** The plan of every rollout the run started, and every refused update, in time order. */
export function updatePlans(
  scenario: LoadedScenario,
  run: ScenarioRun,
  planUpdate: (from: Profile, to: Profile, options: PlanOptions) => Plan,
): UpdatePlan[] {
  const plans: UpdatePlan[] = [];
  for (const entry of run.timeline) {
    if (entry.event === "rollout-started") {
      const from = scenario.profiles.get(entry.from);
      const to = scenario.profiles.get(entry.profile);
      if (!from || !to) continue;
      const plan = planUpdate(from.profile, to.profile, { rke2Quirk: scenario.rke2Quirk });
      plans.push({
        t: entry.t,
        from: entry.from,
        to: entry.profile,
        behavior: entry.behavior,
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
