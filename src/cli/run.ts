import { addColourOptions } from "./colour-options.js";
import { EXIT_HELP, exitCodeHelp } from "./io.js";
import { ALLOW_OUTSIDE_HELP, parseSeed, type Register, ROOT_HELP } from "./options.js";

import type { RunCommandOptions } from "./run-options.js";

export * from "./run-options.js";

export const registerRun: Register = (program, io, setExit) => {
  addColourOptions(program.command("run"))
    .description("Replay a scenario, roll a fleet file or a fleet plan, and check its expectations")
    .argument("<scenario>", "Scenario, fleet file or fleet plan (YAML; - reads standard input)")
    .option("--json", "Print the run as one JSON object")
    .option("--seed <n>", "Override the scenario's seed (default: the file's seed, else 1)", parseSeed)
    .option(
      "--log <file>",
      "Write the simulation's log as NDJSON (pino, virtual time) to FILE; scenarios only",
    )
    .option("-q, --quiet", "Print only the summary and expectations, not the timeline")
    .option("--update", "Rewrite the scenario's golden timeline instead of comparing it; scenarios only")
    .option(
      "--timings <file>",
      "Step timings over the file's own (YAML, as edgesim calibrate -o writes them); scenarios and fleet plans",
    )
    .option("--timelines", "Fleet files: also print every cluster's timeline on the fleet's clock")
    .option("--root <dir>", ROOT_HELP)
    .option("--allow-outside", ALLOW_OUTSIDE_HELP)
    .addHelpText(
      "after",
      exitCodeHelp([
        EXIT_HELP.ok("every expectation holds (with no expect: the rollout converged)"),
        EXIT_HELP.inputError,
        EXIT_HELP.notPassed,
      ]),
    )
    .action(async (scenario: string, options: RunCommandOptions) => {
      // What the command runs is loaded here, not with its options: `run --help` needs none of it.
      const { runCommand } = await import("./run-action.js");
      await runCommand(io, setExit, scenario, options);
    });
};
